#!/usr/bin/env bash
# Command 1 of the README: set everything up, load the synthetic demo data, and serve
# the app at http://127.0.0.1:8000 (EVIDENCE_API_HOST / EVIDENCE_API_PORT to change).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m evidence.devnode start
.venv/bin/python -m indexer load tests/fixtures/bundles/tiny --report reports/demo-rejections.ndjson
echo "Serving on http://${EVIDENCE_API_HOST:-127.0.0.1}:${EVIDENCE_API_PORT:-8000}/ (Ctrl-C to stop)"
exec .venv/bin/python -m search_api serve
