"""Every command of `python -m indexer` and `python -m search_api users`, run as a user
runs them (a subprocess against the real node): exit codes and what they print.

`load`, `status` and the bad corpus are in test_indexer.py; `snapshot`, `snapshots` and
`restore` in test_backup.py; `users add|token|list|revoke` in test_auth_audit.py.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from elasticsearch import Elasticsearch

from evidence.indices import audit_index
from evidence.settings import Settings
from tests.conftest import FIXTURES, TINY_BUNDLE, run_cli

BROKEN_BUNDLE = FIXTURES / "bundles" / "broken"
EXAMPLE_BUNDLE = Path(__file__).parents[2] / "docs" / "example-bundle"
PASSWORD = "correct horse battery staple"


def _indexer(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("indexer", settings, *args)


def test_validate_checks_without_indexing_and_reports_what_it_would_reject(
    settings: Settings, es: Elasticsearch, tmp_path: Path
) -> None:
    good = _indexer(settings, "validate", str(TINY_BUNDLE), "--report", str(tmp_path / "a.csv"))
    assert good.returncode == 0, good.stderr
    assert "read 5, indexed 5, unchanged 0, rejected 0" in good.stdout
    report = tmp_path / "b.ndjson"
    bad = _indexer(settings, "validate", str(BROKEN_BUNDLE), "--report", str(report))
    assert bad.returncode == 1
    assert "rejected 23" in bad.stdout
    assert len(report.read_text(encoding="utf-8").splitlines()) == 24
    tolerated = _indexer(
        settings, "validate", str(BROKEN_BUNDLE), "--tolerate-rejections", "--report", str(report)
    )
    assert tolerated.returncode == 0
    assert es.indices.get(index=f"{settings.index_prefix}-*").body == {}, "validate wrote nothing"


def test_rebuild_from_named_bundles_and_from_every_loaded_bundle(
    settings: Settings, es: Elasticsearch, tmp_path: Path
) -> None:
    report = str(tmp_path / "r.ndjson")
    nothing = _indexer(settings, "rebuild", "--report", report)
    assert nothing.returncode == 2
    assert "no bundles loaded yet" in nothing.stderr
    named = _indexer(settings, "rebuild", str(TINY_BUNDLE), str(EXAMPLE_BUNDLE), "--report", report)
    assert named.returncode == 0, named.stderr
    assert "aliases swapped" in named.stdout
    assert "read 10, indexed 10" in named.stdout
    everything = _indexer(settings, "rebuild", "--report", report)
    assert everything.returncode == 0, everything.stderr
    assert "read 10, indexed 10" in everything.stdout
    status = _indexer(settings, "status")
    assert f"{settings.index_prefix}-records: 10 records" in status.stdout
    assert "bundle tiny-caesar:" in status.stdout and "bundle example:" in status.stdout
    assert "Traceback" not in named.stderr + everything.stderr + status.stderr


def test_rebuild_refuses_when_a_loaded_bundle_folder_is_gone(
    settings: Settings, es: Elasticsearch, tmp_path: Path
) -> None:
    copy = tmp_path / "tiny"
    shutil.copytree(TINY_BUNDLE, copy)
    report = str(tmp_path / "r.ndjson")
    assert _indexer(settings, "load", str(copy), "--report", report).returncode == 0
    shutil.rmtree(copy)
    gone = _indexer(settings, "rebuild", "--report", report)
    assert gone.returncode == 2
    assert "bundle folders are gone" in gone.stderr and str(copy) in gone.stderr
    assert es.count(index=f"{settings.index_prefix}-records")["count"] == 5, "nothing was lost"


def test_demo_data_writes_a_synthetic_corpus_once_per_folder(
    settings: Settings, tmp_path: Path
) -> None:
    out = tmp_path / "demo"
    made = _indexer(settings, "demo-data", str(out), "--scale", "small", "--seed", "3")
    assert made.returncode == 0, made.stderr
    assert "SYNTHETIC records" in made.stdout
    assert (out / "SYNTHETIC.txt").is_file()
    assert {p.name for p in out.iterdir() if p.is_dir()} >= {"caesar", "atlas"}
    again = _indexer(settings, "demo-data", str(out))
    assert again.returncode == 2 and "is not empty" in again.stderr
    unknown = _indexer(settings, "demo-data", str(tmp_path / "x"), "--scale", "huge")
    assert unknown.returncode == 2 and "unknown scale" in unknown.stderr


def test_an_unreachable_node_is_exit_3_with_a_message(settings: Settings, tmp_path: Path) -> None:
    nowhere = {"ELASTICSEARCH_URL": "http://127.0.0.1:9"}
    run = run_cli("indexer", settings, "status", env=nowhere)
    assert run.returncode == 3
    assert "unreachable" in run.stderr and "Traceback" not in run.stderr


def test_users_revoke_one_token_keeps_the_others_and_every_change_is_audited(
    settings: Settings, es: Elasticsearch
) -> None:
    def users(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return run_cli("search_api", settings, "users", *args, stdin=stdin)

    short = users("add", "ana", "--role", "journalist", "--password-stdin", stdin="short\n")
    assert short.returncode == 1 and "12" in short.stderr
    added = users("add", "ana", "--role", "journalist", "--password-stdin", stdin=PASSWORD + "\n")
    assert added.returncode == 0 and "added ana (journalist)" in added.stdout
    first = users("token", "ana").stdout.split()[1]
    second = users("token", "ana").stdout.split()[1]
    revoked = users("revoke", "ana", "--token", first)
    assert revoked.returncode == 0 and f"revoked token {first} of ana" in revoked.stdout
    listed = users("list").stdout
    assert "ana\tjournalist\tactive" in listed
    assert second in listed and first not in listed
    missing = users("revoke", "nobody")
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    bad_role = users("add", "bo", "--role", "emperor", "--password-stdin", stdin=PASSWORD + "\n")
    assert bad_role.returncode == 2
    es.indices.refresh(index=audit_index(settings.index_prefix))
    actions = [
        hit["_source"]["action"]
        for hit in es.search(
            index=audit_index(settings.index_prefix), size=20, sort=[{"at": "asc"}]
        )["hits"]["hits"]
    ]
    assert actions == ["admin.user_add", "admin.token_issue", "admin.token_issue", "admin.revoke"]


def test_teams_are_made_and_changed_from_the_cli_and_audited(
    settings: Settings, es: Elasticsearch
) -> None:
    """Each command is a process of its own (a few seconds each): the errors of the
    service behind them are covered in test_teams.py; here, that they reach the shell."""

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return run_cli("search_api", settings, *args, stdin=stdin)

    added_user = run(
        "users", "add", "amal", "--role", "investigator", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert added_user.returncode == 0
    created = run("teams", "create", "koblenz-team", "Koblenz (SYNTHETIC)")
    assert created.returncode == 0 and "created team koblenz-team" in created.stdout
    added = run("teams", "add", "koblenz-team", "amal", "--role", "editor")
    assert added.returncode == 0 and "amal is in koblenz-team as editor" in added.stdout
    listed = run("teams", "list").stdout
    assert "koblenz-team\tKoblenz (SYNTHETIC)\tmembers: amal (editor)" in listed
    refused = run("teams", "add", "koblenz-team", "amal", "--role", "owner")
    assert refused.returncode == 1 and refused.stderr.startswith("error: "), refused.stderr
    assert "Traceback" not in refused.stderr
    assert run("teams", "remove", "koblenz-team", "amal").returncode == 0
    assert run("teams", "delete", "koblenz-team").returncode == 0
    es.indices.refresh(index=audit_index(settings.index_prefix))
    actions = [
        hit["_source"]["action"]
        for hit in es.search(
            index=audit_index(settings.index_prefix),
            size=20,
            sort=[{"at": "asc"}],
            query={"prefix": {"action": "team."}},
        )["hits"]["hits"]
    ]
    assert actions == ["team.create", "team.member_set", "team.member_remove", "team.delete"]
