"""Court packages built and verified without a node: every kind of tampering is caught,
a rotated key still verifies what it signed, working copies carry no original, and the
exhibit list reads back from Word and PDF. The service that gathers a package's content
through the real node is tested in tests/integration/test_packages.py."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image

from evidence.package_verify import verify
from evidence.signing import KeyRing, NoSigningKey
from search_api.chronologies.models import Chronology, Citation, ExhibitOut, FactIn, dated
from search_api.packages.build import ExhibitSource, PackageInput, build
from search_api.packages.documents import read_exhibits_docx, read_pdf_text
from search_api.packages.models import Creator

CREATED = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def _photo(path: Path) -> tuple[Path, str]:
    image = Image.new("RGB", (64, 48), (120, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SYNTHETIC-CAMERA"  # Make
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    data = buffer.getvalue()
    sha256 = hashlib.sha256(data).hexdigest()
    stored = path / sha256
    stored.write_bytes(data)
    return stored, sha256


def _content(tmp_path: Path, ring: KeyRing, originals: bool = True) -> PackageInput:
    original, sha256 = _photo(tmp_path)
    citations = [
        Citation(stable_id="ph-0001", page=None, sha256=sha256, title="Photo 1 · Branch 215")
    ]
    transcript = [Citation(stable_id="ts-0002", page=2, title="Testimony of witness W-7")]
    facts = [
        dated(FactIn(date="2013-08", text="Body photographed (SYNTHETIC)"), "f-1", 0, citations),
        dated(FactIn(date="2013-09", text="Witness describes Branch 215"), "f-2", 0, transcript),
    ]
    exhibits = [
        ExhibitOut(label="EX-001", number=1, stable_id="ph-0001", title="Photo 1", facts=[1]),
        ExhibitOut(
            label="EX-002", number=2, stable_id="ts-0002", title="Testimony", facts=[2], pages=[2]
        ),
    ]
    chronology = Chronology(
        id="ch-1",
        title="Branch 215 (SYNTHETIC)",
        owner="amal",
        created="2026-12-01",
        updated="2026-12-06",
        version="3.1",
        facts=facts,
        exhibits=exhibits,
    )
    ingested = {
        "at": "2026-12-01T10:00:00Z",
        "action": "ingested",
        "actor": "indexer",
        "detail": f"caesar/photos/0001.jpg line 1; sha256 {sha256}",
    }
    photo = ExhibitSource(
        exhibit=exhibits[0],
        record={
            "stable_id": "ph-0001",
            "title": "Photo 1 · Branch 215",
            "record_type": "photo",
            "date": {"text": "2013-08"},
            "graphic": True,
            "synthetic": True,
            "source": {"media_type": "image/jpeg", "file": "photos/0001.jpg"},
        },
        sha256=sha256,
        original=original,
        pages=[],
        custody=[
            ingested,
            {
                "at": "2026-12-02T09:00:00Z",
                "action": "image.reveal",
                "actor": "omar",
                "detail": "audit log",
            },
        ],
    )
    testimony = ExhibitSource(
        exhibit=exhibits[1],
        record={
            "stable_id": "ts-0002",
            "title": "Testimony of witness W-7",
            "record_type": "testimony",
            "synthetic": True,
            "source": {"file": "testimonies/w7.md"},
        },
        sha256=None,
        original=None,
        pages=[{"n": 1, "text": "First page"}, {"n": 2, "text": "I was held in Branch 215."}],
        custody=[],
    )
    signer, key = ring.signer()
    return PackageInput(
        chronology=chronology,
        exhibits=[photo, testimony],
        originals=originals,
        created=CREATED,
        instance="test-archive",
        creator=Creator(user="amal", role="investigator" if originals else "journalist"),
        software_version="0.1.0",
        signer=signer,
        key=key,
    )


@pytest.fixture
def ring(tmp_path: Path) -> KeyRing:
    ring = KeyRing(tmp_path / "keys")
    ring.init()
    return ring


def _package(tmp_path: Path, ring: KeyRing, originals: bool = True) -> Path:
    out = tmp_path / ("package.zip" if originals else "working.zip")
    with out.open("wb") as handle:
        build(_content(tmp_path, ring, originals), handle)
    return out


def _keys_json(ring: KeyRing, tmp_path: Path) -> Path:
    path = tmp_path / "keys.json"
    path.write_text(json.dumps([key.as_json() for key in ring.published()]))
    return path


def _rewritten(package: Path, change: Callable[[dict[str, bytes]], dict[str, bytes]]) -> Path:
    with zipfile.ZipFile(package) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    out = package.with_name("tampered.zip")
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in change(members).items():
            archive.writestr(name, data)
    return out


def _flip(data: bytes, at: int = -20) -> bytes:
    changed = bytearray(data)
    changed[at] ^= 0x01
    return bytes(changed)


def _failures(package: Path, key: Path | None) -> list[str]:
    return [text for ok, text in verify(package, key).lines if not ok]


def test_a_package_verifies_with_the_published_key_and_lists_every_file(
    tmp_path: Path, ring: KeyRing
) -> None:
    package = _package(tmp_path, ring)
    report = verify(package, _keys_json(ring, tmp_path))
    assert report.ok, report.text()
    assert report.text().endswith("VERIFIED")
    with zipfile.ZipFile(package) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
    photo_sha = manifest["exhibits"][0]["sha256"]
    assert f"exhibits/EX-001_{photo_sha}.jpg" in names
    assert {
        "exhibits.docx",
        "exhibits.pdf",
        "chronology.docx",
        "chronology.pdf",
        "README.txt",
        "custody/EX-001.json",
        "custody/EX-002.json",
        "manifest.csv",
        "manifest.sig",
        "verify.py",
        "public-key.pem",
    } <= names
    assert {row["path"] for row in manifest["files"]} == names - {"manifest.json", "manifest.sig"}
    assert manifest["creator"] == {"user": "amal", "role": "investigator"}
    assert (manifest["instance"], manifest["originals"]) == ("test-archive", True)
    assert manifest["signing_key"]["fingerprint"] == ring.published()[0].fingerprint


@pytest.mark.parametrize(
    ("what", "change"),
    [
        ("an exhibit", lambda m, n: m | {n: _flip(m[n])}),
        (
            "the manifest",
            lambda m, n: m | {"manifest.json": m["manifest.json"].replace(b'"amal"', b'"amat"')},
        ),
        ("the signature", lambda m, n: m | {"manifest.sig": _flip(m["manifest.sig"], 5)}),
        ("a file added", lambda m, n: m | {"exhibits/EX-003_extra.jpg": b"planted"}),
        ("a file removed", lambda m, n: {k: v for k, v in m.items() if k != n}),
        (
            "the custody",
            lambda m, n: (
                m
                | {"custody/EX-001.json": m["custody/EX-001.json"].replace(b"indexer", b"someone")}
            ),
        ),
    ],
)
def test_any_change_is_caught(
    tmp_path: Path,
    ring: KeyRing,
    what: str,
    change: Callable[[dict[str, bytes], str], dict[str, bytes]],
) -> None:
    package = _package(tmp_path, ring)
    with zipfile.ZipFile(package) as archive:
        exhibit = next(n for n in archive.namelist() if n.startswith("exhibits/EX-001"))
    tampered = _rewritten(package, lambda members: change(members, exhibit))
    key = _keys_json(ring, tmp_path)
    assert _failures(tampered, key), f"{what}: not caught"
    assert not verify(tampered, key).ok
    assert _failures(package, key) == []


def test_an_original_that_is_not_the_one_its_custody_records_is_caught(
    tmp_path: Path, ring: KeyRing
) -> None:
    content = _content(tmp_path, ring)
    photo = content.exhibits[0]
    wrong = [dict(photo.custody[0], detail="photos/0001.jpg line 1; sha256 " + "0" * 64)]
    from dataclasses import replace

    content = replace(content, exhibits=[replace(photo, custody=wrong), content.exhibits[1]])
    package = tmp_path / "custody.zip"
    with package.open("wb") as handle:
        build(content, handle)
    failures = _failures(package, _keys_json(ring, tmp_path))
    assert len(failures) == 1 and "EX-001: the original's SHA-256" in failures[0]


def test_a_rotated_key_still_verifies_old_packages_and_only_the_new_one_signs(
    tmp_path: Path, ring: KeyRing
) -> None:
    old_package = _package(tmp_path, ring)
    old = ring.current()
    new = ring.rotate()
    assert old is not None and new.fingerprint != old.fingerprint
    assert [k.valid_until is None for k in ring.published()] == [False, True]
    assert not (ring.directory / f"{old.fingerprint.removeprefix('sha256:')}.key").exists()
    assert ring.signer()[1].fingerprint == new.fingerprint
    assert verify(old_package, _keys_json(ring, tmp_path)).ok
    only_new = tmp_path / "new.pem"
    only_new.write_text(new.pem)
    assert "the manifest is signed by a given key" in _failures(old_package, only_new)[0]


def test_without_a_key_the_package_is_checked_against_its_own_and_says_so(
    tmp_path: Path, ring: KeyRing
) -> None:
    report = verify(_package(tmp_path, ring), None)
    assert report.ok
    assert "not who made it" in report.text()


def test_a_private_key_others_may_read_is_refused(ring: KeyRing) -> None:
    current = ring.current()
    assert current is not None
    private = ring.directory / f"{current.fingerprint.removeprefix('sha256:')}.key"
    assert private.stat().st_mode & 0o777 == 0o600
    private.chmod(0o644)
    with pytest.raises(NoSigningKey, match="read by others"):
        ring.signer()
    with pytest.raises(ValueError, match="already holds a key"):
        ring.init()


def test_a_working_copy_package_holds_no_original(tmp_path: Path, ring: KeyRing) -> None:
    package = _package(tmp_path, ring, originals=False)
    assert verify(package, _keys_json(ring, tmp_path)).ok
    original = next(tmp_path.glob("[0-9a-f]" * 64)).read_bytes()
    with zipfile.ZipFile(package) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        files = {name: archive.read(name) for name in archive.namelist()}
    kinds = {e["number"]: (e["kind"], e["file"]) for e in manifest["exhibits"]}
    assert kinds["EX-001"][0] == kinds["EX-002"][0] == "working_copy"
    assert kinds["EX-001"][1].endswith(".working-copy.jpg")
    assert kinds["EX-002"][1].endswith(".working-copy.txt")
    assert not any(original == data for data in files.values())
    copy = Image.open(io.BytesIO(files[kinds["EX-001"][1]]))
    assert dict(copy.getexif()) == {}  # the camera data stays in the archive
    text = files[kinds["EX-002"][1]].decode()
    assert text.startswith("WORKING COPY of EX-002") and "I was held in Branch 215." in text
    assert "WORKING COPY" in files["README.txt"].decode()
    assert manifest["exhibits"][0]["sha256"] == hashlib.sha256(original).hexdigest()


def test_the_exhibit_list_reads_back_from_word_and_pdf(tmp_path: Path, ring: KeyRing) -> None:
    with zipfile.ZipFile(_package(tmp_path, ring)) as archive:
        rows = read_exhibits_docx(archive.read("exhibits.docx"))
        pdf = read_pdf_text(archive.read("exhibits.pdf"))
        chronology = read_pdf_text(archive.read("chronology.pdf"))
        manifest = json.loads(archive.read("manifest.json"))
    sha256 = manifest["exhibits"][0]["sha256"]
    assert [(r["Exhibit"], r["Type"], r["Facts"], r["Pages cited"]) for r in rows] == [
        ("EX-001", "photo", "1", ""),
        ("EX-002", "testimony", "2", "2"),
    ]
    assert rows[0]["SHA-256"] == sha256 and rows[0]["Title"] == "Photo 1 · Branch 215"
    assert "EX-001" in pdf and "EX-002" in pdf
    assert sha256 in "".join(pdf.split())  # the hash wraps in its cell
    assert "EX-002 p. 2" in chronology and "Witness describes Branch 215" in chronology


def test_the_verify_script_inside_runs_alone(tmp_path: Path, ring: KeyRing) -> None:
    package = _package(tmp_path, ring)
    alone = tmp_path / "reviewer"
    alone.mkdir()
    with zipfile.ZipFile(package) as archive:
        (alone / "verify.py").write_bytes(archive.read("verify.py"))
    keys = _keys_json(ring, tmp_path)
    # -I: isolated, so nothing of the project is importable; only the script and cryptography.
    run = [sys.executable, "-I", "verify.py", str(package), "--key", str(keys)]
    env = {"PATH": os.environ.get("PATH", "")}
    done = subprocess.run(run, cwd=alone, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().endswith("VERIFIED")
    tampered = _rewritten(package, lambda m: m | {"README.txt": m["README.txt"] + b" "})
    run[3] = str(tampered)
    done = subprocess.run(run, cwd=alone, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 1 and "NOT VERIFIED" in done.stdout


def test_a_scanned_document_is_given_to_lower_roles_as_its_text_not_its_image(
    tmp_path: Path, ring: KeyRing
) -> None:
    content = _content(tmp_path, ring, originals=False)
    photo = content.exhibits[0]
    from dataclasses import replace

    scan = replace(
        photo,
        record=photo.record | {"record_type": "filing"},
        pages=[{"n": 1, "text": "Order of the court, names withheld: [withheld]"}],
    )
    content = replace(content, exhibits=[scan, content.exhibits[1]])
    package = tmp_path / "scan.zip"
    with package.open("wb") as handle:
        build(content, handle)
    with zipfile.ZipFile(package) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        names = archive.namelist()
    assert manifest["exhibits"][0]["file"].endswith(".working-copy.txt")
    assert not any(name.endswith(".jpg") for name in names)
