"""The synthetic demo corpus: counts, determinism, format conformance and safety labels.

Generates the small scale once per module (plus one more run each for the determinism
and different-seed checks) and reads the files back the way the loader will.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import imagehash
import pytest
import yaml
from PIL import Image
from PIL.ExifTags import IFD, Base
from pypdf import PdfReader

from evidence.dates import parse_fuzzy_date
from indexer.demo import SCALES, DemoCounts, generate, plan
from indexer.demo.filings import EvidencePool, write_filings
from indexer.demo.gazetteer import load_gazetteer
from indexer.demo.legal import MILESTONES
from indexer.demo.testimonies import write_testimonies
from indexer.records import DocType, PersonRole

HEADER = (
    "photo_id,file,body_id,detainee_no,branch_no,report_no,facility,date_photographed,"
    "category,identification,victim_name,findings,tags,confidentiality,graphic"
)
LEVELS = {"public", "restricted", "confidential", "sealed"}
DOC_TYPES = set(get_args(DocType))
ROLES = set(get_args(PersonRole))
# Family names of publicly reported defendants: no fictional person may carry one.
REAL_DEFENDANT_NAMES = (
    *("raslan", "gharib", "mamlouk", "hassan", "mahmoud", "dabbagh"),
    *("رسلان", "غريب", "مملوك", "حسن", "محمود", "دباغ"),
)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoCounts]:
    root = tmp_path_factory.mktemp("demo") / "out"
    return root, generate(root, "small", seed=7)


def tree_hashes(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def front_matter(path: Path) -> tuple[dict[str, Any], str]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n"), path
    _, head, body = text.split("---\n", 2)
    return yaml.safe_load(head), body


def read_testimonies(bundle: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(format, metadata) for every testimony, wherever its metadata lives."""
    for path in sorted((bundle / "testimonies").iterdir()):
        if path.suffix in (".md", ".txt"):
            yield path.suffix[1:], front_matter(path)[0]
        elif path.suffix in (".docx", ".pdf"):
            sidecar = path.with_name(path.name + ".yaml")
            assert sidecar.is_file(), f"{path.name} has no sidecar"
            yield path.suffix[1:], yaml.safe_load(sidecar.read_text(encoding="utf-8"))
    jsonl = bundle / "testimonies.jsonl"
    if jsonl.exists():
        for line in jsonl.read_text(encoding="utf-8").splitlines():
            yield "jsonl", json.loads(line)


def read_filings(bundle: Path) -> Iterator[dict[str, Any]]:
    for path in sorted((bundle / "filings").iterdir()):
        if path.suffix == ".md":
            yield front_matter(path)[0]
        elif path.name.endswith(".pdf.yaml"):
            yield yaml.safe_load(path.read_text(encoding="utf-8"))
    jsonl = bundle / "filings.jsonl"
    if jsonl.exists():
        for line in jsonl.read_text(encoding="utf-8").splitlines():
            yield json.loads(line)


def caesar_rows(root: Path) -> list[dict[str, str]]:
    with (root / "caesar" / "photos.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def atlas_rows(root: Path) -> list[dict[str, Any]]:
    lines = (root / "atlas" / "photos.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_plans_match_the_published_and_target_counts() -> None:
    assert plan("caesar").caesar_photos == 53_275
    assert plan("large").total == 1_000_000
    assert plan("large").caesar_photos == 53_275
    assert all(plan(name).image_files <= 500 for name in SCALES)


def test_unknown_scale_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown scale"):
        plan("huge")
    with pytest.raises(ValueError, match="unknown scale"):
        generate(tmp_path / "out", "huge")
    assert not (tmp_path / "out").exists()


def test_refuses_to_write_into_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError):
        generate(tmp_path, "small")


def test_counts_on_disk_match_the_plan(small: tuple[Path, DemoCounts]) -> None:
    root, counts = small
    assert counts == plan("small")
    assert len(caesar_rows(root)) == counts.caesar_photos
    assert len(atlas_rows(root)) == counts.atlas_photos
    assert len(list(read_testimonies(root / "testimonies"))) == counts.testimonies
    assert len(list(read_filings(root / "filings"))) == counts.filings
    images = list(root.glob("*/media/*.jpg"))
    assert len(images) == counts.image_files


def test_same_seed_gives_identical_bytes(small: tuple[Path, DemoCounts], tmp_path: Path) -> None:
    root, _ = small
    generate(tmp_path / "again", "small", seed=7)
    assert tree_hashes(tmp_path / "again") == tree_hashes(root)


def test_different_seed_gives_different_data(
    small: tuple[Path, DemoCounts], tmp_path: Path
) -> None:
    root, _ = small
    generate(tmp_path / "other", "small", seed=8)
    first, second = tree_hashes(root), tree_hashes(tmp_path / "other")
    assert first["caesar/photos.csv"] != second["caesar/photos.csv"]
    assert first != second


def test_every_bundle_is_labelled_synthetic(small: tuple[Path, DemoCounts]) -> None:
    root, _ = small
    expected = {
        "caesar": "public",
        "atlas": "restricted",
        "testimonies": "restricted",
        "filings": "public",
    }
    for name, level in expected.items():
        meta = yaml.safe_load((root / name / "collection.yaml").read_text(encoding="utf-8"))
        assert meta["synthetic"] is True
        assert "(SYNTHETIC)" in meta["title"]
        assert (meta["id"], meta["default_confidentiality"]) == (name, level)
    assert "SYNTHETIC" in (root / "SYNTHETIC.txt").read_text(encoding="utf-8")


def test_photo_rows_follow_the_format(small: tuple[Path, DemoCounts]) -> None:
    root, _ = small
    with (root / "caesar" / "photos.csv").open(encoding="utf-8", newline="") as handle:
        lines = list(csv.reader(handle))
    assert ",".join(lines[0]) == HEADER
    assert all(len(line) == 15 for line in lines)
    gaz = load_gazetteer()
    known = {name for f in gaz.facilities.values() for name in (f.id, f.name_en, f.name_ar)}
    known |= {alias for f in gaz.facilities.values() for alias in f.aliases}
    rows = caesar_rows(root)
    for row in [*rows, *atlas_rows(root)]:
        parse_fuzzy_date(row.get("date_photographed"))  # raises on a malformed value
        assert row["facility"] in known
        assert row.get("confidentiality", "") in LEVELS | {""}
        if row.get("detainee_no"):
            assert row["detainee_no"].startswith("SYN-")
        if row.get("report_no"):
            assert row["report_no"].startswith("SYN-R-")
        if row.get("victim_name"):
            assert row["identification"] != "unidentified"
    assert len({row["photo_id"] for row in rows}) == len(rows)
    assert any(row["facility"] not in gaz.facilities for row in rows)  # aliases in use
    assert any(not row["date_photographed"] for row in rows)  # undated rows kept
    by_body: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    for row in rows:
        shared = ("detainee_no", "branch_no", "report_no", "facility", "date_photographed")
        by_body[row["body_id"]].add(tuple(row[name] for name in shared))
    assert all(len(values) == 1 for values in by_body.values())


def test_image_files_exist_and_carry_synthetic_exif(small: tuple[Path, DemoCounts]) -> None:
    root, _ = small
    referenced = [("caesar", r) for r in caesar_rows(root) if r["file"]]
    referenced += [("atlas", r) for r in atlas_rows(root) if r.get("file")]
    assert referenced
    for bundle, row in referenced:
        with Image.open(root / bundle / row["file"]) as image:
            exif = image.getexif()
            assert (exif[Base.Make], exif[Base.Model]) == ("SYNTHETIC", "DEMO-CAM")
            taken = exif.get_ifd(IFD.Exif).get(Base.DateTimeOriginal)
            day = row.get("date_photographed", "")
            if len(day) == 10:
                assert taken.startswith(day.replace("-", ":"))


def test_frames_of_a_body_are_near_duplicates_with_one_exact_pair(
    small: tuple[Path, DemoCounts],
) -> None:
    root, _ = small
    hashes: dict[str, list[imagehash.ImageHash]] = defaultdict(list)
    digests: dict[str, list[str]] = defaultdict(list)
    for row in caesar_rows(root):
        if row["file"]:
            path = root / "caesar" / row["file"]
            hashes[row["body_id"]].append(imagehash.phash(Image.open(path)))
            digests[hashlib.sha256(path.read_bytes()).hexdigest()].append(row["photo_id"])
    assert [len(ids) for ids in digests.values() if len(ids) > 1] == [2]
    within = [a - b for hs in hashes.values() for a, b in itertools.combinations(hs, 2)]
    across = [a[0] - b[0] for a, b in itertools.combinations(hashes.values(), 2)]
    assert max(within) <= 10
    assert max(within) < min(across)


def test_testimonies_have_metadata_in_every_format(small: tuple[Path, DemoCounts]) -> None:
    root, _ = small
    records = list(read_testimonies(root / "testimonies"))
    assert {fmt for fmt, _ in records} == {"md", "txt", "docx", "pdf"}
    for fmt, meta in records:
        assert meta["testimony_id"] and meta["witness_pseudonym"]
        assert meta.get("language", "en") in {"ar", "en", "fr", "de"}
        assert fmt != "pdf" or meta.get("language", "en") != "ar"
        assert set(meta["consent"]) <= {"court", "publication", "research"}
        assert 2 <= len(meta["events"]) <= 6
        for event in meta["events"]:
            parse_fuzzy_date(event["date"])
        assert {p["role"] for p in meta.get("persons", [])} <= ROLES
        assert meta.get("confidentiality", "restricted") in LEVELS
        assert "example.invalid" in meta["witness_contact"] or "555-01" in meta["witness_contact"]
    assert any("language" not in meta for _, meta in records)
    for pdf in (root / "testimonies" / "testimonies").glob("*.pdf"):
        assert len(PdfReader(pdf).pages) > 1


def test_arabic_transcripts_use_real_script_and_spelling_variants(
    small: tuple[Path, DemoCounts],
) -> None:
    root, _ = small
    bodies = [front_matter(p)[1] for p in (root / "testimonies" / "testimonies").glob("*.md")]
    arabic = "\n".join(body for body in bodies if "شهادة" in body)
    assert arabic
    assert "مشفى" in arabic or "مستشفى" in arabic
    assert "إلى" in arabic and "الى" in arabic  # with and without hamza


def test_filings_cover_the_milestones_with_multi_page_pdfs(small: tuple[Path, DemoCounts]) -> None:
    root, _ = small
    records = list(read_filings(root / "filings"))
    dated = {(r["court"], r.get("date_issued") or r.get("date_filed")) for r in records}
    for milestone in MILESTONES:
        assert (milestone.court, milestone.date_issued or milestone.date_filed) in dated
    for record in records:
        assert record["doc_type"] in DOC_TYPES
        assert record.get("confidentiality", "public") in LEVELS
    pdfs = sorted((root / "filings" / "filings").glob("*.pdf"))
    assert pdfs
    scanned = []
    for pdf in pdfs:
        assert pdf.with_name(pdf.name + ".yaml").is_file()
        pages = [page.extract_text() for page in PdfReader(pdf).pages]
        assert len(pages) >= 3
        if not any(pages):  # a scan: page images only, for OCR to read
            scanned.append(pdf.name)
            continue
        assert len(set(pages)) == len(pages)
        assert all("SYNTHETIC" in page for page in pages)
    assert scanned == ["fil-0007.pdf", "fil-0017.pdf", "fil-0027.pdf"]
    for markdown in (root / "filings" / "filings").glob("*.md"):
        assert len(front_matter(markdown)[1].split("\f")) >= 3  # form feeds break pages


def test_every_citation_points_to_a_generated_record(small: tuple[Path, DemoCounts]) -> None:
    root, _ = small
    known = {f"caesar:{row['photo_id']}" for row in caesar_rows(root)}
    known |= {f"atlas:{row['photo_id']}" for row in atlas_rows(root)}
    known |= {
        f"testimonies:{meta['testimony_id']}" for _, meta in read_testimonies(root / "testimonies")
    }
    cites = [ref for record in read_filings(root / "filings") for ref in record.get("cites", [])]
    assert cites
    assert set(cites) <= known


def test_people_are_fictional(small: tuple[Path, DemoCounts]) -> None:
    root, _ = small
    names = [row["victim_name"] for row in caesar_rows(root) if row["victim_name"]]
    for _, meta in read_testimonies(root / "testimonies"):
        names += [meta["witness_name"], *(p["name"] for p in meta.get("persons", []))]
    assert names
    for name in names:
        assert not any(real in name.lower() for real in REAL_DEFENDANT_NAMES), name


def test_larger_scales_write_bodies_into_jsonl(tmp_path: Path) -> None:
    """The JSONL forms used at caesar/large scale, exercised on a few records."""
    gaz = load_gazetteer()
    summary = write_testimonies(tmp_path / "testimonies", gaz, count=12, files=2, seed=3)
    lines = (tmp_path / "testimonies" / "testimonies.jsonl").read_text(encoding="utf-8")
    records = [json.loads(line) for line in lines.splitlines()]
    assert (summary.count, summary.files, len(records)) == (12, 2, 10)
    assert all(record["text"] for record in records)
    pool = EvidencePool(
        caesar_id=lambda n: f"C-{n:06d}",
        caesar_count=10,
        atlas_id=lambda n: f"A-{n:07d}",
        atlas_count=10,
        caesar_bodies=[["C-000001", "C-000002"]],
        testimony_ids=summary.ids,
    )
    count = len(MILESTONES) + 5
    assert write_filings(tmp_path / "filings", gaz, pool, count, files=3, seed=3) == count
    lines = (tmp_path / "filings" / "filings.jsonl").read_text(encoding="utf-8")
    filings = [json.loads(line) for line in lines.splitlines()]
    assert len(filings) == count - 3
    assert all(3 <= len(filing["pages"]) <= 8 for filing in filings)
