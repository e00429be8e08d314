#!/usr/bin/env bash
# Command 1 of the README: set everything up, generate and load the SYNTHETIC demo
# bundles, and serve the app at http://127.0.0.1:8000 (EVIDENCE_API_HOST / _PORT to change).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m evidence.devnode start
# The demo has its own index prefix, so rebuilding it never touches other data.
export EVIDENCE_INDEX_PREFIX="${EVIDENCE_INDEX_PREFIX:-demo}"
if [ ! -f .demo/small/SYNTHETIC.txt ]; then
  .venv/bin/python -m indexer demo-data .demo/small --scale small --seed 7
fi
.venv/bin/python -m indexer rebuild .demo/small/caesar .demo/small/atlas \
  .demo/small/testimonies .demo/small/filings --report reports/demo-rejections.ndjson
echo "Serving on http://${EVIDENCE_API_HOST:-127.0.0.1}:${EVIDENCE_API_PORT:-8000}/ (Ctrl-C to stop)"
exec .venv/bin/python -m search_api serve
