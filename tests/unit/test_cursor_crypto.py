"""Cursors are encrypted and authenticated: nothing in one can be read or changed."""

import base64
import binascii
import re

import pytest

from evidence.errors import InvalidRequest
from search_api.cursor import Cursor, decode_cursor, encode_cursor, new_chain

SECRET = "s" * 32
STABLE_ID = "caesar:P-0000123"
PIT_ID = "gcSHBAEJZXZpZGVuY2UtcGhvdG8WcHZ1cGl0aWRmb3J0ZXN0AAAAAAAAAAA"


def _decodings(token: str) -> list[bytes]:
    """Every way a curious reader might decode the token or a piece of it."""
    pieces = [token, *re.split(r"[.~]", token)]
    found = []
    for piece in pieces:
        for decode in (base64.urlsafe_b64decode, base64.b64decode, base64.b32decode):
            try:
                found.append(decode(piece + "=" * (-len(piece) % 4)))
            except (binascii.Error, ValueError):
                continue
    return found


def test_a_cursor_holds_no_id_and_no_point_in_time_in_any_decodable_form() -> None:
    # A total long enough that random ciphertext never holds its digits by chance: with
    # "412", one CI run in about 1,200 failed on a token that happened to contain them.
    cursor = Cursor([1.5, STABLE_ID], PIT_ID, 20, "k1", new_chain(), 41_273_905)
    token = encode_cursor(cursor, SECRET)
    assert _decodings(token), "the token should at least base64-decode"
    for text in [token.encode(), *_decodings(token)]:
        for secret_part in (STABLE_ID, "P-0000123", PIT_ID[:16], "41273905"):
            assert secret_part.encode() not in text


def test_the_same_cursor_encrypts_differently_each_time() -> None:
    cursor = Cursor([1.5, STABLE_ID], None, 20, "k1", "chain", 412)
    assert encode_cursor(cursor, SECRET) != encode_cursor(cursor, SECRET)


def test_a_cursor_carries_its_chain_total_and_viewer() -> None:
    cursor = Cursor([1.5, STABLE_ID], None, 20, "k1", new_chain(), 412, "viewer-hash")
    assert decode_cursor(encode_cursor(cursor, SECRET), SECRET, "k1") == cursor


@pytest.mark.parametrize(
    "token",
    ["", "x", "!!!!", "é", "AAAA" * 20, "a.b", "A" * 4096, "eyJhIjpbMV0sIm8iOjAsInMiOiJrMSJ9"],
)
def test_garbage_is_refused_with_a_message(token: str) -> None:
    with pytest.raises(InvalidRequest, match="not valid"):
        decode_cursor(token, SECRET, "k1")


def test_every_flipped_character_is_refused() -> None:
    token = encode_cursor(Cursor([7, STABLE_ID], None, 20, "k1", "chain", 9), SECRET)
    for position in range(len(token) - 1):  # the last character may carry padding bits
        swapped = "B" if token[position] == "A" else "A"
        with pytest.raises(InvalidRequest, match="not valid"):
            decode_cursor(token[:position] + swapped + token[position + 1 :], SECRET, "k1")


def test_a_search_results_cursor_stays_short_enough_for_a_url() -> None:
    after = [12.345678, "testimonies:T-a-rather-long-local-identifier-0001"]
    token = encode_cursor(
        Cursor(after, None, 10_000, "0123456789abcdef", new_chain(), 53_275), SECRET
    )
    assert len(token) < 300
