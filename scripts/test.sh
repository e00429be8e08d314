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
# Four workers, a test file each at a time: most of a test's time is spent waiting on
# Elasticsearch, Redis and the processes it starts (refreshes, index creation, workers),
# so four overlap well on two cores. Every test has its own index prefix, so they never
# meet. The slowest tests are listed at the end, so every run shows where its time went.
#
# Coverage is measured with `COVERAGE=1 bash scripts/test.sh`: the whole suite,
# subprocesses included, against the floor in pyproject.toml. It makes the suite half as
# slow again (30.6 minutes against 19.8 for the same 1,381 tests on this 2-core machine,
# 2026-12-06), which put CI over its 20 minutes, so CI runs without it.
coverage=()
if [ "${COVERAGE:-0}" = 1 ]; then
  coverage=(--cov --cov-report=term)
fi
exec .venv/bin/pytest -n 4 --dist loadfile --durations=25 "${coverage[@]}" "$@"
