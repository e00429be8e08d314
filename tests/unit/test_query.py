"""The pure query builder: no cluster needed, every access rule visible in the DSL."""

from evidence.access import AccessContext, Role
from search_api.params import SearchParams
from search_api.query import build_search


def _level_filter(body: dict) -> list[str]:
    (level_filter,) = body["query"]["bool"]["filter"]
    return level_filter["terms"]["confidentiality"]


def test_missing_access_context_matches_nothing() -> None:
    assert build_search(SearchParams(q="anything"), None)["query"] == {"match_none": {}}


def test_each_role_sees_up_to_its_ceiling() -> None:
    expected = {
        Role.PUBLIC: ["public"],
        Role.JOURNALIST: ["public", "restricted"],
        Role.INVESTIGATOR: ["public", "restricted", "confidential"],
        Role.ADMIN: ["public", "restricted", "confidential", "sealed"],
    }
    for role, levels in expected.items():
        assert _level_filter(build_search(SearchParams(), AccessContext(role))) == levels


def test_text_is_analysed_like_the_documents() -> None:
    body = build_search(SearchParams(q="فرع ٢١٥"), AccessContext(Role.PUBLIC))
    (text_query,) = body["query"]["bool"]["must"]
    assert text_query == {"match": {"search_text": {"query": "فرع 215", "operator": "and"}}}


def test_empty_query_matches_all_visible_records_with_exact_totals() -> None:
    body = build_search(SearchParams(q="  "), AccessContext(Role.PUBLIC))
    assert body["query"]["bool"]["must"] == [{"match_all": {}}]
    assert body["track_total_hits"] is True
