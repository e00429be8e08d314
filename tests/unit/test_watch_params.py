"""A watched search keeps the search's words and filters, counts by words, and asks only
for what is new since a moment."""

from __future__ import annotations

from evidence.access import AccessContext, Role
from search_api.params import Mode, Sort
from search_api.watches.service import count_body, watch_params


def test_a_watch_keeps_words_and_filters_and_drops_paging_order_and_mode() -> None:
    params = watch_params(
        "?q=Branch+215&facility=saydnaya&type=photo&type=filing&date_from=2012"
        "&cursor=abc&sort=date_asc&mode=semantic&size=50&since=2020-01-01T00:00:00Z"
    )
    assert (params.q, params.facility, params.type, params.date_from) == (
        "Branch 215",
        ["saydnaya"],
        ["photo", "filing"],
        "2012",
    )
    assert (params.mode, params.sort, params.size, params.since, params.cursor) == (
        Mode.KEYWORD,
        Sort.RELEVANCE,
        20,
        None,
        None,
    )


def test_what_is_new_is_what_was_indexed_or_changed_after_the_moment() -> None:
    params = watch_params("q=canary", since="2026-12-06T01:00:00.250+00:00")
    body = count_body(params, AccessContext(Role.JOURNALIST, "j"))
    assert body["size"] == 0
    filters = body["query"]["bool"]["must"][0]["bool"]["filter"]
    assert {"range": {"indexed_at": {"gt": "2026-12-06T01:00:00.250000+00:00"}}} in filters
