#!/usr/bin/env bash
# Command 2 of the README: set everything up, run lint and the type checker, then the
# whole test suite against a real Elasticsearch (started when ELASTICSEARCH_URL is unset and nothing answers).
# Extra arguments go to pytest, e.g. `bash scripts/test.sh tests/unit -x`.
set -euo pipefail
cd "$(dirname "$0")/.."
NEED_BROWSER=1 bash scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy  # what it checks, and how, is in pyproject.toml
.venv/bin/python -m evidence.devnode start
# Coverage over the whole suite, subprocesses included; the floor is in pyproject.toml.
# Four workers, a test file each at a time: most of a test's time is spent waiting on
# Elasticsearch, Redis and the processes it starts (refreshes, index creation, workers),
# so four overlap well on two cores. Under coverage, 1,260 tests took 17.6 minutes with
# four, 19.4 with three and 21.2 with two (2026-12-06, morning); on the machine used since,
# 1,380 tests took 30.6 minutes with four (README, "The two commands"). Every test has its own index
# prefix, so they never meet.
# The slowest tests are listed at the end, so every run shows where its time went.
exec .venv/bin/pytest -n 4 --dist loadfile --durations=25 --cov --cov-report=term "$@"
