"""`python -m search_api keys` and `python -m indexer verify-package` as an operator runs
them (Typer's runner, the real key ring in a temporary folder; no node needed)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evidence.settings import get_settings
from indexer.cli import cli as indexer_cli
from search_api.cli import cli as search_api_cli


@pytest.fixture
def keys_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "ring"
    monkeypatch.setenv("EVIDENCE_SIGNING_KEYS_DIR", str(folder))
    get_settings.cache_clear()
    yield folder
    get_settings.cache_clear()


def test_keys_are_made_listed_and_rotated(keys_dir: Path) -> None:
    runner = CliRunner()
    made = runner.invoke(search_api_cli, ["keys", "init"])
    assert made.exit_code == 0, made.output
    assert "made signing key sha256:" in made.output
    again = runner.invoke(search_api_cli, ["keys", "init"])
    assert again.exit_code == 1 and "already holds a key" in again.output
    rotated = runner.invoke(search_api_cli, ["keys", "rotate"])
    assert rotated.exit_code == 0 and "now signing with sha256:" in rotated.output
    listed = runner.invoke(search_api_cli, ["keys", "list"]).output.splitlines()
    assert len(listed) == 2
    assert "until current" in listed[1] and "until current" not in listed[0]
    assert [p.suffix for p in keys_dir.iterdir() if p.suffix == ".key"] == [".key"]


def test_rotating_before_any_key_says_what_to_do(keys_dir: Path) -> None:
    rotated = CliRunner().invoke(search_api_cli, ["keys", "rotate"])
    assert rotated.exit_code == 1 and "use init" in rotated.output


def test_verify_package_exits_2_for_what_is_not_a_package(tmp_path: Path) -> None:
    not_a_zip = tmp_path / "package.zip"
    not_a_zip.write_text("just text")
    done = CliRunner().invoke(indexer_cli, ["verify-package", str(not_a_zip)])
    assert done.exit_code == 2 and "not a readable zip" in done.output
