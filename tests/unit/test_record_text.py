"""Record text as the record page writes it: safe Markdown, each block in its own
direction, the withheld marker in the block's language, the query's words marked, dates
in titles for people, and a document shown one page at a time."""

from __future__ import annotations

from search_api.highlight import match_terms
from search_api.record_service import detail_fields, document_view
from search_api.syntax import parse_query
from search_api.text import ARABIC_WITHHELD, TextRenderer, hit_pages, human_title, plain

TRANSCRIPT = """# Testimony TST-9 (SYNTHETIC)

اعتُقِلتُ في **آذار** 2012 على حاجز. كان [withheld] معي.

SYNTHETIC: نص تجريبي عن الاعتقال في صيدنايا مع [withheld] وآخرين.

I was held with [withheld] at Saydnaya. <script>alert(1)</script>

- أولًا: حاجز
- second item
"""


def test_an_arabic_paragraph_after_a_latin_heading_is_its_own_right_to_left_block() -> None:
    html = TextRenderer().markdown(TRANSCRIPT)
    assert '<h3 dir="auto">Testimony TST-9 (SYNTHETIC)</h3>' in html
    assert '<p dir="auto">اعتُقِلتُ في <strong>آذار</strong> 2012 على حاجز.' in html
    # Opens on a Latin word, but is Arabic: written out, not left to the first letter.
    assert '<p dir="rtl">SYNTHETIC: نص تجريبي' in html
    assert '<p dir="auto">I was held with' in html
    assert '<li dir="auto">أولًا: حاجز</li>' in html
    assert "#" not in html and "**" not in html
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_withheld_marker_is_written_in_the_language_of_its_block() -> None:
    html = TextRenderer().markdown(TRANSCRIPT)
    assert f"كان {ARABIC_WITHHELD} معي." in html
    assert f"مع {ARABIC_WITHHELD} وآخرين." in html
    assert "I was held with [withheld] at Saydnaya." in html
    assert plain("شهادة [withheld] <b>") == f"شهادة {ARABIC_WITHHELD} &lt;b&gt;"
    assert plain("Testimony of [withheld]") == "Testimony of [withheld]"
    # Only the marker changes: text that merely looks like one is left as written.
    assert "[محجوب]" not in TextRenderer().markdown("نص [withheld ] آخر")


def test_links_go_only_to_http_and_there_are_no_images_or_raw_html() -> None:
    html = TextRenderer().markdown(
        "[a](javascript:alert(1)) [b](https://example.org/x) ![i](http://example.org/i.png)"
        ' <img src=x onerror="alert(1)"> [c](data:text/html,x) <https://example.org/y>'
    )
    assert "<img" not in html
    assert 'href="javascript' not in html and 'href="data' not in html
    assert '<a href="https://example.org/x" rel="nofollow noopener noreferrer">b</a>' in html
    assert '<a href="https://example.org/y"' in html
    assert "&lt;img src=x" in html


def test_the_query_words_are_marked_and_the_first_is_where_a_snippet_lands() -> None:
    terms = match_terms(parse_query("saydnaya arrest"))
    renderer = TextRenderer(terms)
    html = renderer.markdown(
        "Arrested near **Saydnaya**.\n\nSaydnaya again; <b>arrest</b>", anchor=True
    )
    assert html.count("<mark") == 4
    assert html.count('id="hit"') == 1
    assert html.index('<mark id="hit">Arrested</mark>') < html.index("<mark>Saydnaya</mark>")
    assert "&lt;b&gt;<mark>arrest</mark>&lt;/b&gt;" in html
    assert 'id="hit"' not in TextRenderer(terms).markdown("Saydnaya")


def test_titles_show_dates_for_people_never_the_circa_syntax() -> None:
    assert human_title("Photo C-1 · Military Hospital 601 · circa:2012-05-23") == (
        "Photo C-1 · Military Hospital 601 · c. 23 May 2012"
    )
    assert human_title("Testimony of Z-1 · 2020-03-01") == "Testimony of Z-1 · 1 Mar 2020"
    assert human_title("Judgment · 2022 · Koblenz") == "Judgment · 2022 · Koblenz"


def test_a_document_shows_one_page_with_the_pages_that_hold_a_hit_around_it() -> None:
    pages = [{"n": n, "text": text} for n, text in enumerate(["a", "Saydnaya", "b", "c"], 1)]
    pages += [{"n": 7, "text": "Saydnaya again"}]  # blank pages are not stored
    terms = match_terms(parse_query("saydnaya"))
    assert hit_pages(pages, terms) == [2, 7]
    view = document_view(pages, 3, terms)
    assert (view.current, view.previous_page, view.next_page) == (3, 2, 4)
    assert (view.previous_hit, view.next_hit) == (2, 7)
    assert document_view(pages, None, terms).current == 2, "the first hit when none is asked"
    assert document_view(pages, 6, terms).current == 7, "the nearest page it has"
    assert document_view(pages, 99, None).current == 7
    assert document_view([], 2, terms).page is None


def test_internal_fields_are_not_shown_and_the_rest_are_named() -> None:
    details = {
        "name_keys": ["mltr"],
        "event_ids": ["ph-x-1"],
        "category": "death_in_custody",
        "exif": {"make": "SYNTHETIC"},
        "custom_note": "kept",
        "tags": [],
    }
    fields = {f.key: (f.label, f.kind) for f in detail_fields(details)}
    assert fields == {
        "category": ("Category", "label"),
        "exif": ("Camera data", "exif"),
        "custom_note": ("custom note", "text"),
    }
