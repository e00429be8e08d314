"""The pure query builder: request and access context in, DSL out; no cluster needed."""

import json
from typing import Any

from evidence.access import AccessContext, Role
from search_api.params import SearchParams, Sort
from search_api.query import build_search, histogram_interval

PUBLIC = AccessContext(Role.PUBLIC)
INVESTIGATOR = AccessContext(Role.INVESTIGATOR)


def _restricted_levels(body: dict[str, Any]) -> list[str]:
    (level_filter,) = body["query"]["bool"]["filter"]
    return level_filter["terms"]["confidentiality"]


def _inner(body: dict[str, Any]) -> dict[str, Any]:
    """The query under the access wrapper."""
    (query,) = body["query"]["bool"]["must"]
    return query


def _text(body: dict[str, Any]) -> dict[str, Any]:
    (text,) = _inner(body)["bool"]["must"]
    return text


def test_missing_access_context_matches_nothing() -> None:
    body = build_search(SearchParams(q="anything"), None)
    assert body["query"] == {"match_none": {}}
    assert "aggs" not in body


def test_each_role_sees_up_to_its_ceiling() -> None:
    expected = {
        Role.PUBLIC: ["public"],
        Role.JOURNALIST: ["public", "restricted"],
        Role.INVESTIGATOR: ["public", "restricted", "confidential"],
        Role.ADMIN: ["public", "restricted", "confidential", "sealed"],
    }
    for role, levels in expected.items():
        assert _restricted_levels(build_search(SearchParams(), AccessContext(role))) == levels


def test_words_are_analysed_like_documents_and_match_tokens_stems_or_name_keys() -> None:
    (clause,) = _text(build_search(SearchParams(q="Arrested"), PUBLIC))["bool"]["must"]
    assert clause == {
        "bool": {
            "should": [
                {"term": {"search_text": "arrested"}},
                {"term": {"search_stems": {"value": "arrest", "boost": 0.5}}},
                {"term": {"name_keys": {"value": "rstd", "boost": 0.3}}},
                {"fuzzy": {"name_keys": {"value": "rstd", "fuzziness": 1, "boost": 0.1}}},
            ],
            "minimum_should_match": 1,
        }
    }


def test_names_match_across_scripts_through_one_key() -> None:
    latin = json.dumps(build_search(SearchParams(q="Mohammed"), PUBLIC))
    arabic = json.dumps(build_search(SearchParams(q="محمد"), PUBLIC))
    key = '{"name_keys": {"value": "mhmd", "boost": 0.3}}'
    assert key in latin and key in arabic
    several = json.dumps(build_search(SearchParams(q='"Mohamed al-Khatib"'), PUBLIC))
    assert '"name_keys": {"query": "mhmd ktb"' in several


def test_arabic_indic_digits_and_hospital_spellings_become_one_form() -> None:
    dsl = json.dumps(build_search(SearchParams(q="مستشفى ٢١٥"), PUBLIC), ensure_ascii=False)
    assert '"search_text": "215"' in dsl
    assert '"search_text": "مشفي"' in dsl


def test_protected_text_is_searched_only_for_roles_that_may_see_it() -> None:
    for params in (SearchParams(q="name"), SearchParams(q="-name")):
        public = json.dumps(build_search(params, PUBLIC))
        investigator = json.dumps(build_search(params, INVESTIGATOR))
        assert "protected." not in public
        assert "protected.search_text" in investigator
        assert "protected.name_keys" in investigator


def test_phrases_exclusions_alternatives_and_prefixes() -> None:
    text = _text(build_search(SearchParams(q='"palestine branch" -saydnaya a | b tort*'), PUBLIC))
    phrase, either, prefix = text["bool"]["must"]
    assert phrase["bool"]["should"][0] == {"match_phrase": {"search_text": "palestine branch"}}
    assert len(either["bool"]["should"]) == 2
    assert prefix["bool"]["should"][0]["match_phrase_prefix"]["search_text"]["query"] == "tort"
    (excluded,) = text["bool"]["must_not"]
    assert excluded["bool"]["should"][0] == {"term": {"search_text": "saydnaya"}}


def test_pages_are_asked_for_so_snippets_can_cite_them() -> None:
    (nested,) = _text(build_search(SearchParams(q="wrists"), PUBLIC))["bool"]["should"]
    assert nested["nested"]["path"] == "pages"
    # With whether OCR read the page, and how well, for the snippet to say so.
    assert nested["nested"]["inner_hits"]["_source"] == [
        "pages.n",
        "pages.text",
        "pages.machine_read",
        "pages.confidence",
    ]


def test_the_ocr_filter_keeps_records_with_a_page_read_below_the_confidence() -> None:
    body = build_search(SearchParams(ocr_below=70), PUBLIC)
    assert _inner(body)["bool"]["filter"] == [{"range": {"ocr.min_confidence": {"lt": 70}}}]
    # The form's "any record" is no filter at all.
    assert (
        _inner(build_search(SearchParams.model_validate({"ocr_below": ""}), PUBLIC))["bool"][
            "filter"
        ]
        == []
    )


def test_dates_match_records_whose_range_overlaps() -> None:
    body = build_search(SearchParams(date_from="2012", date_to="2012-06"), PUBLIC)
    assert _inner(body)["bool"]["filter"] == [
        {"range": {"date.latest": {"gte": "2012-01-01"}}},
        {"range": {"date.earliest": {"lte": "2012-06-30"}}},
    ]


def test_facet_selections_post_filter_and_each_facet_ignores_only_itself() -> None:
    body = build_search(SearchParams(branch=["215"], collection=["caesar", "atlas"]), PUBLIC)
    branch = {"terms": {"branch_nos": ["215"]}}
    collection = {"terms": {"collection": ["caesar", "atlas"]}}
    assert body["post_filter"] == {"bool": {"filter": [collection, branch]}}
    aggs = body["aggs"]
    assert aggs["facet_branch"]["filter"] == {"bool": {"filter": [collection]}}
    assert aggs["facet_collection"]["filter"] == {"bool": {"filter": [branch]}}
    assert aggs["facet_facility"]["filter"] == {"bool": {"filter": [collection, branch]}}
    assert aggs["histogram"]["filter"] == {"bool": {"filter": [collection, branch]}}
    assert aggs["facet_branch"]["aggs"]["branch_nos"]["terms"]["size"] == 11


def test_person_facet_uses_protected_names_only_for_investigators() -> None:
    public = build_search(SearchParams(person=["X"]), PUBLIC)
    investigator = build_search(SearchParams(person=["X"]), INVESTIGATOR)
    assert set(public["aggs"]["facet_person"]["aggs"]) == {"persons.name"}
    assert set(investigator["aggs"]["facet_person"]["aggs"]) == {
        "persons.name",
        "protected.persons.name",
    }
    assert "protected" not in json.dumps(public["post_filter"])


def test_sorts_end_in_a_unique_tiebreaker_and_put_undated_last() -> None:
    for sort in Sort:
        body = build_search(SearchParams(sort=sort), PUBLIC)
        assert body["sort"][-1] == {"stable_id": "asc"}
    oldest = build_search(SearchParams(sort=Sort.DATE_ASC), PUBLIC)["sort"][0]
    assert oldest == {"date.earliest": {"order": "asc", "missing": "_last"}}


def test_search_after_and_exact_totals() -> None:
    body = build_search(SearchParams(), PUBLIC, after=[1.5, "ph-x"], with_aggregations=False)
    assert body["search_after"] == [1.5, "ph-x"]
    assert body["track_total_hits"] is True
    assert "aggs" not in body


def test_histogram_is_monthly_for_short_ranges_only() -> None:
    assert histogram_interval(SearchParams()) == "year"
    assert histogram_interval(SearchParams(date_from="2012", date_to="2013")) == "month"
    assert histogram_interval(SearchParams(date_from="2011", date_to="2015")) == "year"


def test_malformed_queries_still_build() -> None:
    for q in ['"unclosed', "-", "|", "* | -", '""', "a || b", '-"x', "((("]:
        assert build_search(SearchParams(q=q), PUBLIC)["query"]


def test_proximity_phrases_carry_their_slop_in_both_languages() -> None:
    for q, words in (('"arrested branch"~3', "arrested branch"), ('"فرع فلسطين"~2', "فرع فلسطين")):
        (clause,) = _text(build_search(SearchParams(q=q), PUBLIC))["bool"]["must"]
        first = clause["bool"]["should"][0]["match_phrase"]["search_text"]
        assert first["query"] == words and first["slop"] in (2, 3)


def test_an_export_filters_in_the_query_not_in_a_post_filter() -> None:
    """Without aggregations nothing needs the unfiltered set, so facet filters narrow the
    query itself; with them, they stay in the post_filter for multi-select counts."""
    params = SearchParams(type=["photo"], branch=["215"])
    access = AccessContext(Role.JOURNALIST)
    export = build_search(params, access, with_aggregations=False)
    page = build_search(params, access)
    assert "post_filter" not in export and "aggs" not in export
    assert page["post_filter"]["bool"]["filter"]
    exported_query = json.dumps(export["query"], sort_keys=True)
    for clause in page["post_filter"]["bool"]["filter"]:
        assert json.dumps(clause, sort_keys=True) in exported_query
