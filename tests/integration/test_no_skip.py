"""Without a reachable Elasticsearch the suite must fail, never skip."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]


def test_suite_fails_when_elasticsearch_cannot_be_reached(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVIDENCE_")}
    # A loopback port with nothing behind it, and a devnode cache where no node can be
    # started (no zip, and no mvn on PATH): the session fixture has to fail.
    env |= {
        "ELASTICSEARCH_URL": "http://127.0.0.1:9",
        "EVIDENCE_DEVNODE_DIR": str(tmp_path),
        "PATH": str(Path(sys.executable).parent),
    }
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/integration/test_indexer.py::test_loading_twice_changes_nothing",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    summary = run.stdout.strip().splitlines()[-1]
    assert run.returncode != 0
    assert "1 error" in summary
    assert "skipped" not in summary
    assert "Maven" in run.stdout
