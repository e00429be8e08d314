import pytest

from evidence.errors import InvalidRequest
from search_api.cursor import Cursor, decode_cursor, encode_cursor
from search_api.params import SearchParams
from search_api.urls import query_string, toggle

SECRET = "s" * 32


def test_cursor_round_trips_and_is_url_safe() -> None:
    cursor = Cursor(after=[3.2, "ph-abc"], pit="PIT==/+", offset=40, search="k1")
    token = encode_cursor(cursor, SECRET)
    assert all(ch.isalnum() or ch in "-_" for ch in token)
    assert decode_cursor(token, SECRET, "k1") == cursor


def test_a_tampered_or_foreign_cursor_is_refused() -> None:
    token = encode_cursor(Cursor([1], None, 20, "k1"), SECRET)
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(InvalidRequest, match="not valid"):
        decode_cursor(flipped, SECRET, "k1")
    with pytest.raises(InvalidRequest, match="not valid"):
        decode_cursor(token, "t" * 32, "k1")
    with pytest.raises(InvalidRequest, match="another search"):
        decode_cursor(token, SECRET, "k2")


def test_toggle_adds_and_removes_a_value_and_returns_to_page_one() -> None:
    params = SearchParams(q="x", branch=["215"], cursor="abc")
    assert toggle(params, "branch", "227") == "?q=x&branch=215&branch=227"
    assert toggle(params, "branch", "215") == "?q=x"


def test_query_string_leaves_out_defaults() -> None:
    assert query_string(SearchParams()) == "?"
    assert query_string(SearchParams(size=50, sort="date_asc")) == "?sort=date_asc&size=50"
