"""Readers: awkward files yield precise rejections and reading goes on."""

from pathlib import Path

from indexer.report import Rejection
from indexer.sources.base import RawRecord, read_jsonl
from indexer.sources.documents import read_documents
from indexer.sources.photos import read_photos


def _split(items: list) -> tuple[list[RawRecord], list[Rejection]]:
    return (
        [i for i in items if isinstance(i, RawRecord)],
        [i for i in items if isinstance(i, Rejection)],
    )


def test_csv_with_bom_bad_bytes_and_wrong_width(tmp_path: Path) -> None:
    (tmp_path / "photos.csv").write_bytes(
        b"\xef\xbb\xbfphoto_id,findings\n"
        b"P1,fine\n"
        b"P2,caf\xe9 latin-1\n"
        b"P3,one,too many\n"
        b"\n"
        b'P4,"multi\nline"\n'
        b"P5,last\n"
    )
    records, rejections = _split(list(read_photos(tmp_path)))
    assert [(r.origin.line, r.fields["photo_id"]) for r in records] == [
        (2, "P1"),
        (6, "P4"),
        (8, "P5"),
    ]
    assert [(r.line, r.reason) for r in rejections] == [
        (3, "not UTF-8: the row holds invalid bytes"),
        (4, "3 values for 2 columns"),
    ]


def test_jsonl_lines_are_numbered_and_a_bom_is_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "photos.jsonl"
    path.write_bytes(
        b'\xef\xbb\xbf{"photo_id": "A"}\n\n{"photo_id": \n\xff\xfe\n{"photo_id": "B"}\n'
    )
    records, rejections = _split(list(read_jsonl(path, "photo")))
    assert [(r.origin.line, r.fields["photo_id"]) for r in records] == [(1, "A"), (5, "B")]
    assert [r.line for r in rejections] == [3, 4]
    assert rejections[1].reason.startswith("not UTF-8")


def test_form_feeds_split_pages_and_sidecars_carry_metadata(tmp_path: Path) -> None:
    folder = tmp_path / "testimonies"
    folder.mkdir()
    (folder / "a.txt").write_text("page one\fpage two\fpage three")
    (folder / "a.txt.yaml").write_text("testimony_id: A\nwitness_pseudonym: Z-1\n")
    (folder / "b.md").write_text("---\ntestimony_id: B\n")
    records, rejections = _split(list(read_documents(tmp_path, "testimony")))
    (record,) = records
    assert record.pages == ["page one", "page two", "page three"]
    assert record.fields == {"testimony_id": "A", "witness_pseudonym": "Z-1"}
    assert len(record.document_sha256 or "") == 64
    assert [(r.file, r.reason) for r in rejections] == [
        ("testimonies/b.md", "front matter opened with --- is never closed")
    ]


def test_symlinked_documents_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "filings"
    folder.mkdir()
    outside = tmp_path / "secret.md"
    outside.write_text("---\nfiling_id: X\ncourt: C\ndoc_type: order\n---\nbody")
    (folder / "link.md").symlink_to(outside)
    records, rejections = _split(list(read_documents(tmp_path, "filing")))
    assert records == []
    assert [r.reason for r in rejections] == ["symbolic links are not read"]
