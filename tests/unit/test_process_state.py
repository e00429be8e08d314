"""Importing a module changes nothing outside it, and worker processes are never forked
from a process that may be running threads. What the indexer does need process-wide
is set up when the work starts, so a fresh process reads bundles exactly as before."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.context import BaseContext
from pathlib import Path

import pytest

from evidence.indices import RECORD_TYPES
from indexer import pipeline
from indexer.bundle import read_collection
from indexer.report import LoadReport
from search_api import cli

REPOSITORY = Path(__file__).parents[2]
TINY = REPOSITORY / "tests" / "fixtures" / "bundles" / "tiny"
BAD_DOCUMENTS = REPOSITORY / "tests" / "fixtures" / "bad" / "documents"
IMPORT_THE_APPS = "import search_api.app, search_api.cli, indexer.cli\n"


def _fresh_python(script: str) -> subprocess.CompletedProcess[str]:
    """Run `script` in a new interpreter, so nothing this test process did is inherited."""
    return subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=REPOSITORY,
        timeout=300,
        check=False,
    )


def test_importing_the_apps_does_not_ask_the_os_who_is_logged_in() -> None:
    """In a container whose uid has no passwd entry, `getpass.getuser()` raises."""
    script = (
        "import getpass\n"
        "def no_passwd_entry(): raise KeyError('getpwuid(): uid not found: 4242')\n"
        "getpass.getuser = no_passwd_entry\n" + IMPORT_THE_APPS
    )
    result = _fresh_python(script)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("probe", ["csv.field_size_limit()", "logging.getLogger('pypdf').level"])
def test_importing_the_apps_leaves_process_wide_settings_alone(probe: str) -> None:
    script = (
        f"import csv, logging\nbefore = {probe}\n{IMPORT_THE_APPS}after = {probe}\n"
        "assert after == before, f'changed on import from {before} to {after}'\n"
    )
    result = _fresh_python(script)
    assert result.returncode == 0, result.stderr


def test_the_cli_names_the_os_user_in_the_audit_log(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli.getpass, "getuser", lambda: "ops")
    assert cli._cli_admin().user == "cli:ops"


def test_the_cli_names_the_uid_when_it_has_no_passwd_entry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_passwd_entry() -> str:
        raise KeyError("getpwuid(): uid not found: 4242")

    monkeypatch.setattr(cli.getpass, "getuser", no_passwd_entry)
    monkeypatch.setattr(cli.os, "getuid", lambda: 4242)
    assert cli._cli_admin().user == "cli:uid-4242"


@pytest.mark.parametrize("workers", [0, 2])
def test_a_fresh_process_reads_csv_fields_longer_than_the_csv_default(
    tmp_path: Path, workers: int
) -> None:
    """The csv module refuses fields over 131,072 characters unless told otherwise."""
    root = tmp_path / "long-findings"
    root.mkdir()
    (root / "collection.yaml").write_text("id: long\ntitle: Long findings\nsynthetic: true\n")
    findings = "SYNTHETIC " + "x" * 500_000
    (root / "photos.csv").write_text(f'photo_id,findings\nL-1,"{findings}"\n', encoding="utf-8")
    script = (
        "from pathlib import Path\nfrom indexer.load import validate_bundle\n"
        f"report = validate_bundle(Path({str(root)!r}), workers={workers})\n"
        "print(report.indexed, [r.reason for r in report.rejections])\n"
    )
    result = _fresh_python(script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1 []"


def test_a_fresh_process_keeps_pdf_repair_warnings_off_the_terminal() -> None:
    """pypdf logs each repair of a damaged PDF; the report already says what matters."""
    script = (
        "from pathlib import Path\nfrom indexer.load import validate_bundle\n"
        f"report = validate_bundle(Path({str(BAD_DOCUMENTS)!r}))\n"
        "assert any('unreadable PDF' in r.reason for r in report.rejections)\n"
    )
    result = _fresh_python(script)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_worker_processes_are_not_forked_from_the_running_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A fork copies locks that other threads (the API's, the ES client's) hold at that
    moment, and the worker can deadlock on them; forkserver and spawn start clean."""
    start_methods: list[str] = []

    def recording_pool(max_workers: int, mp_context: BaseContext) -> ProcessPoolExecutor:
        start_methods.append(mp_context.get_start_method())
        return ProcessPoolExecutor(max_workers, mp_context=mp_context)

    monkeypatch.setattr(pipeline, "ProcessPoolExecutor", recording_pool)
    monkeypatch.setattr(pipeline, "_WORK_CHUNK", 2)  # several chunks, so a pool starts
    collection = read_collection(TINY)
    for record_type in RECORD_TYPES:
        list(pipeline.prepare(collection, record_type, LoadReport(), workers=2))
    assert start_methods
    assert "fork" not in start_methods
