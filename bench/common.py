"""What the benchmark scripts share: the demo corpora, the API as its own process, and
bearer tokens for a role."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx

from evidence.access import Role
from indexer.demo import generate

ROOT = Path(__file__).resolve().parents[1]
BUNDLES = ("caesar", "atlas", "testimonies", "filings")


def corpus(scale: str) -> Path:
    """The SYNTHETIC demo bundles of `scale`, generated once into `.demo/<scale>/`."""
    root = ROOT / ".demo" / scale
    if not (root / "SYNTHETIC.txt").is_file():
        shutil.rmtree(root, ignore_errors=True)
        generate(root, scale=scale, seed=7)
    return root


def load_corpus(env: dict[str, str], scale: str) -> subprocess.CompletedProcess[str]:
    """`python -m indexer load` of the whole corpus of `scale` under `env`'s prefix."""
    root = corpus(scale)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "indexer",
            "load",
            *(str(root / b) for b in BUNDLES),
            "--report",
            "/dev/null",
        ],
        env=env,
        capture_output=True,
        text=True,
    )


def serve_api(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """`python -m search_api serve` on a free loopback port, once it answers."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "search_api", "serve"],
        env=env | {"EVIDENCE_API_PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            httpx.get(url + "/openapi.json", timeout=1)
            return process, url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the API did not start")


def role_token(env: dict[str, str], role: Role) -> dict[str, str]:
    """A bearer header for an account of `role` made for the run; none for the public."""
    if role is Role.PUBLIC:
        return {}
    username = f"bench{role.value}"
    users = [sys.executable, "-m", "search_api", "users"]
    subprocess.run(
        [*users, "add", username, "--role", role.value, "--password-stdin"],
        input="bench-password-not-secret\n",
        env=env,
        capture_output=True,
        text=True,
    )  # already there on a second run: fine, a new token follows
    issued = subprocess.run(
        [*users, "token", username], env=env, capture_output=True, text=True, check=True
    )
    return {"Authorization": f"Bearer {issued.stdout.split()[-1]}"}


def write_result(name: str, report: dict[str, Any]) -> None:
    """`bench/results/<name>.json`, and the same on stdout."""
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report, indent=2, ensure_ascii=False)
    (out / f"{name}.json").write_text(text + "\n", encoding="utf-8")
    print(text)
