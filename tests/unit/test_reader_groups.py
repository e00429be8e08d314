"""Whose share of the node's request cache a caller's searches use (`reader_group`): a
count cached for one reader and served fast to another would tell that someone had
asked it."""

from search_api.store import reader_group


def test_every_signed_in_user_has_a_group_of_their_own() -> None:
    users = [f"journalist{n}" for n in range(5_000)]
    groups = {reader_group(user, "10.0.0.1", "secret-one") for user in users}
    assert len(groups) == len(users)  # colleagues of one role never share a cache
    assert reader_group("ana", "10.0.0.1", "s") == reader_group("ana", "192.0.2.9", "s")


def test_visitors_share_a_bounded_number_of_groups_they_cannot_choose() -> None:
    """The node keeps every group it is sent: visitors' addresses are unbounded."""
    addresses = [f"10.{i // 65536}.{i // 256 % 256}.{i % 256}" for i in range(20_000)]
    groups = {reader_group(None, address, "secret-one") for address in addresses}
    assert 4000 < len(groups) <= 4096
    assert all(0 <= int(g.removeprefix("reader-visitor-")) < 4096 for g in groups)
    moved = sum(
        reader_group(None, a, "secret-one") != reader_group(None, a, "secret-two")
        for a in addresses[:1000]
    )
    assert moved > 990  # keyed by the secret: nobody can work out whose group is whose


def test_an_ipv6_visitor_is_grouped_by_their_network_not_each_address() -> None:
    """One household holds a whole /64: its addresses must not reach every group."""
    one = {reader_group(None, f"2001:db8:1:2::{n:x}", "s") for n in range(1, 5_000)}
    assert len(one) == 1
    networks = {reader_group(None, f"2001:db8:1:{n:x}::1", "s") for n in range(2_000)}
    assert len(networks) > 1_500  # other networks spread over the groups
    assert reader_group(None, "unknown", "s").startswith("reader-visitor-")
