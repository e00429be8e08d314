#!/usr/bin/env bash
# Command 1 of the README: set everything up, generate and load the SYNTHETIC demo
# bundles, and serve the app at http://127.0.0.1:8000 (EVIDENCE_API_HOST / _PORT to change).
#
# `bash scripts/demo.sh --check` does all of that on a free port, then probes /healthz,
# the search page, a search, a record page and an export as a first visitor would,
# stops the app, and exits 0 only if every answer was right. CI runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
check=0
case "${1:-}" in
  --check) check=1 ;;
  "") ;;
  *) echo "usage: bash scripts/demo.sh [--check]" >&2; exit 2 ;;
esac
bash scripts/setup.sh
.venv/bin/python -m evidence.devnode start
# The demo has its own index prefix, so rebuilding it never touches other data.
export EVIDENCE_INDEX_PREFIX="${EVIDENCE_INDEX_PREFIX:-demo}"
if [ ! -f .demo/small/SYNTHETIC.txt ]; then
  rm -rf .demo/small  # a generation that was interrupted
  .venv/bin/python -m indexer demo-data .demo/small --scale small --seed 7
fi
.venv/bin/python -m indexer rebuild .demo/small/caesar .demo/small/atlas \
  .demo/small/testimonies .demo/small/filings --report reports/demo-rejections.ndjson

# Court packages are signed with the instance's key, kept outside the repository
# (EVIDENCE_SIGNING_KEYS_DIR); the first start makes one.
if [ -z "$(.venv/bin/python -m search_api keys list)" ]; then
  .venv/bin/python -m search_api keys init
fi

# The app only queues uploads; a job worker beside it indexes them (docs/jobs.md).
mkdir -p reports
.venv/bin/python -m indexer worker --name demo-worker >>reports/demo-worker.log 2>&1 &
worker=$!
trap 'kill "$worker" 2>/dev/null || true' EXIT

if [ "$check" = 0 ]; then
  echo "Serving on http://${EVIDENCE_API_HOST:-127.0.0.1}:${EVIDENCE_API_PORT:-8000}/ (Ctrl-C to stop)"
  echo "Job worker log: reports/demo-worker.log"
  .venv/bin/python -m search_api serve
  exit
fi

export EVIDENCE_API_HOST=127.0.0.1
EVIDENCE_API_PORT=$(.venv/bin/python -c \
  'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export EVIDENCE_API_PORT
.venv/bin/python -m search_api serve &
app=$!
trap 'kill "$app" "$worker" 2>/dev/null || true' EXIT
status=0
.venv/bin/python scripts/check_demo.py "http://127.0.0.1:$EVIDENCE_API_PORT" || status=$?
kill "$app"
wait "$app" || true
exit "$status"
