"""Reading rosters for list search: CSV, XLSX and pasted text, bad rows with their line,
field and reason, and the table written back with formulas neutralised."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from evidence.errors import InvalidRequest
from evidence.names import shared_keys
from search_api.lists.export import csv_line, header, row, to_xlsx
from search_api.lists.models import ResultOut
from search_api.lists.roster import MAX_ENTRIES, Kind, Problem, guess_kind, read_roster


def test_pasted_text_is_one_entry_a_line_and_blank_lines_are_not_rows() -> None:
    roster = read_roster("محمد الحسن\n\nMohammed al-Hasan\n1234/215\n".encode(), "")
    assert [(e.line, e.text, e.kind) for e in roster.entries] == [
        (1, "محمد الحسن", Kind.PERSON),
        (3, "Mohammed al-Hasan", Kind.PERSON),
        (4, "1234/215", Kind.NUMBER),
    ]
    assert roster.entries[0].query == '"محمد الحسن"'


def test_a_header_names_the_columns_and_bad_rows_are_reported_by_line_and_field() -> None:
    text = (
        "id,name,kind,collection,date_from\n"
        "a1,Mohammed al-Hasan,person,caesar,2012\n"
        "a2,,person,,\n"
        "a3,Branch 215,robot,,\n"
        "a4,Ahmad,,,2011-13\n"
        'a5,"saydnaya -hospital",text,,\n'
    )
    roster = read_roster(text.encode("utf-8-sig"), "roster.csv")
    assert [(e.line, e.entry_id, e.kind, e.filters) for e in roster.entries] == [
        (2, "a1", Kind.PERSON, {"collection": ["caesar"], "date_from": "2012"}),
        (6, "a5", Kind.TEXT, {}),
    ]
    assert roster.entries[1].query == "saydnaya -hospital"
    assert [(p.line, p.field) for p in roster.problems] == [
        (3, "entry"),
        (4, "kind"),
        (5, "date_from"),
    ]
    assert "robot" in roster.problems[1].reason
    assert roster.rows == 5


def test_without_a_header_the_first_column_is_the_entry() -> None:
    roster = read_roster(b"Anwar Raslan;note\nEyad al-Gharib;other\n", "list.csv")
    assert [e.text for e in roster.entries] == ["Anwar Raslan", "Eyad al-Gharib"]


def test_an_xlsx_roster_reads_like_a_csv() -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["entry", "kind"])
    sheet.append(["محمود", "person"])
    sheet.append([215, "number"])
    sheet.append([None, None])
    sheet.append(["", "person"])
    out = io.BytesIO()
    workbook.save(out)
    roster = read_roster(out.getvalue(), "Roster.XLSX")
    assert [(e.line, e.text, e.kind) for e in roster.entries] == [
        (2, "محمود", Kind.PERSON),
        (3, "215", Kind.NUMBER),
    ]
    assert roster.problems == [Problem(5, "entry", "empty entry")]


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"\xff\xfe\x00a", "list.csv"),
        (b"not a workbook", "list.xlsx"),
        (b"x", "list.pdf"),
        (("x\n" * (MAX_ENTRIES + 1)).encode(), "list.txt"),
    ],
)
def test_a_roster_that_cannot_be_read_is_refused_whole(data: bytes, name: str) -> None:
    with pytest.raises(InvalidRequest):
        read_roster(data, name)


def test_kinds_are_guessed_from_the_entry() -> None:
    assert guess_kind('"Anwar Raslan"') is Kind.TEXT
    assert guess_kind("saydnaya -hospital") is Kind.TEXT
    assert guess_kind("12/345") is Kind.NUMBER
    assert guess_kind("فرع 215") is Kind.BRANCH
    assert guess_kind("Eyad al-Gharib") is Kind.PERSON


def test_names_that_share_a_spelling_key_are_flagged_for_review() -> None:
    assert shared_keys("Mahmoud al-Hasan") == [
        ("Muhammad (محمد)", "Mahmoud (محمود)"),
        ("Hasan (حسن)", "Husayn (حسين)", "Hassan (حسان)"),
    ]
    assert shared_keys("محمد") == [("Muhammad (محمد)", "Mahmoud (محمود)")]
    assert shared_keys("Zaid Kanaan") == []


def _result(text: str) -> ResultOut:
    return ResultOut(
        line=2,
        entry_id="=HYPERLINK(1)",
        kind="person",
        text=text,
        total=3,
        collections={"caesar": 2, "atlas": 1},
        types={"photo": 3},
        top=[
            {
                "stable_id": "r1",
                "title": "+Title",
                "record_type": "photo",
                "collection": "caesar",
                "matched": ["محمد الحسن"],
            }
        ],
        shared_keys=[["Muhammad (محمد)", "Mahmoud (محمود)"]],
        search="/search?q=x",
    )


def test_the_table_reads_back_from_csv_and_xlsx_with_formulas_neutralised() -> None:
    collections = ["atlas", "caesar", "other"]
    table = [header(collections), row(_result("=cmd|x"), collections, "https://ex.org/")]
    read = list(csv.reader(io.StringIO("".join(csv_line(cells) for cells in table))))
    assert read[0][5:8] == ["collection: atlas", "collection: caesar", "collection: other"]
    assert read[1][:8] == ["2", "'=HYPERLINK(1)", "person", "'=cmd|x", "3", "1", "2", "0"]
    assert read[1][-4:] == [
        "r1 +Title",
        "محمد الحسن",
        "Muhammad (محمد) / Mahmoud (محمود)",
        "https://ex.org/search?q=x",
    ]
    sheet = load_workbook(io.BytesIO(to_xlsx(table))).active
    assert sheet is not None
    cells = [[cell.value for cell in line] for line in sheet.iter_rows()]
    assert cells[1][1] == "'=HYPERLINK(1)"
    assert cells[1][3] == "'=cmd|x"
    assert cells[1][4] == 3
