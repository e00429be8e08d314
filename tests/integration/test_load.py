"""A short load test in CI: 32 clients for 15 seconds against the API as its own
process, mixing searches, record views, timelines and exports. No request may fail,
and every one of them must have left its audit event (group commit loses nothing).
The long run (60 s, caesar scale) is `python -m bench.load`."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

from elasticsearch import Elasticsearch

from bench.common import role_token, serve_api
from bench.load import run_load
from evidence.access import Role
from evidence.settings import Settings

READS = ["search", "record.view", "timeline", "export"]


def test_32_clients_get_no_errors_and_every_read_is_audited(demo_corpus: Settings) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVIDENCE_")} | {
        "ELASTICSEARCH_URL": demo_corpus.es_url,
        "EVIDENCE_INDEX_PREFIX": demo_corpus.index_prefix,
    }
    started = datetime.now(UTC).isoformat(timespec="milliseconds")
    process, url = serve_api(env)
    try:
        result = run_load(
            url, clients=32, seconds=15, headers=[{}, role_token(env, Role.JOURNALIST)]
        )
    finally:
        process.terminate()
        process.wait(timeout=30)
    summary = result.summary()
    print(json.dumps(summary, indent=2))
    assert summary["errors"] == {}
    assert set(summary["by_kind"]) == {"search", "record", "timeline", "export"}
    with Elasticsearch(demo_corpus.es_url) as es:
        audit = f"{demo_corpus.index_prefix}-audit"
        es.indices.refresh(index=audit)
        query = {
            "bool": {"filter": [{"terms": {"action": READS}}, {"range": {"at": {"gte": started}}}]}
        }
        traced = es.count(index=audit, query=query)["count"]
    assert traced == result.requests + 1  # and the probe that picked the record ids
