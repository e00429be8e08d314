"""Whose address the audit log keeps and the login back-off counts."""

from __future__ import annotations

import ipaddress

import pytest

from search_api.deps import client_address

PROXIES = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("fd00::/8"))


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("192.0.2.1", ["198.51.100.1"], "192.0.2.1"),
        ("10.0.0.1", ["198.51.100.1"], "198.51.100.1"),
        ("10.0.0.1", ["203.0.113.9, 198.51.100.1, 10.0.0.2"], "198.51.100.1"),
        ("10.0.0.1", ["198.51.100.1", "10.0.0.3"], "198.51.100.1"),
        ("10.0.0.1", ["<script>"], "10.0.0.1"),
        ("10.0.0.1", ["198.51.100.1, not-an-ip"], "10.0.0.1"),
        ("10.0.0.1", [], "10.0.0.1"),
        ("10.0.0.1", ["10.0.0.9"], "10.0.0.1"),
        ("fd00::1", [" 2001:DB8::1 "], "2001:db8::1"),
        ("testclient", ["198.51.100.1"], "unknown"),
        (None, ["198.51.100.1"], "unknown"),
    ],
)
def test_the_client_is_an_address_a_trusted_proxy_vouches_for_else_the_peer(
    peer: str | None, forwarded: list[str], client: str
) -> None:
    assert client_address(peer, forwarded, PROXIES) == client


def test_without_trusted_proxies_forwarded_for_is_ignored() -> None:
    assert client_address("127.0.0.1", ["198.51.100.1"], ()) == "127.0.0.1"
