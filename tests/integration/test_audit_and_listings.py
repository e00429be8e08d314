"""The audit writer survives cancelled callers and failed writes; the audit log, the user
list and the upload list page through every document instead of stopping at a size."""

from __future__ import annotations

import asyncio
import html
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import AsyncElasticsearch, Elasticsearch
from fastapi.testclient import TestClient

from evidence import jobqueue
from evidence.access import AccessContext, Role
from evidence.errors import IndexUnavailable
from evidence.indices import audit_index, plain_index_body, uploads_index, users_index
from evidence.settings import Settings
from search_api.accounts.security import hash_password
from search_api.accounts.store import UserStore
from search_api.audit import Auditor
from search_api.cursor import decode_cursor, search_key
from search_api.routes.admin import AuditParams
from search_api.uploads.jobs import UploadJobs
from tests.conftest import ClientFactory, bearer_headers, run_async

PASSWORD = "a long enough password"
JOURNALIST = AccessContext(Role.JOURNALIST, "jo")


@pytest.fixture
def tokens(settings: Settings, es: Elasticsearch) -> dict[str, dict[str, str]]:
    """Bearer headers for an admin (`root`) and an investigator (`inv`)."""

    return bearer_headers(settings, {"root": Role.ADMIN, "inv": Role.INVESTIGATOR}, PASSWORD)


def _bulk_create(es: Elasticsearch, index: str, kind: str, documents: list[dict[str, Any]]) -> None:
    """Index documents straight into a plain index created from its mapping file."""
    if not es.indices.exists(index=index):
        es.indices.create(index=index, **plain_index_body(kind))
    operations: list[dict[str, Any]] = []
    for document in documents:
        action = {"_index": index} | ({"_id": document.pop("_id")} if "_id" in document else {})
        operations += [{"create": action}, document]
    response = es.bulk(operations=operations, refresh=True)
    assert not response["errors"], response


def _audit_ids(es: Elasticsearch, settings: Settings, action: str) -> list[str]:
    audit = audit_index(settings.index_prefix)
    es.indices.refresh(index=audit)
    hits = es.search(index=audit, query={"term": {"action": action}}, size=100)["hits"]["hits"]
    return sorted(hit["_source"]["record_ids"][0] for hit in hits)


def test_a_cancelled_audit_caller_does_not_strand_the_rest_of_its_batch(
    settings: Settings, es: Elasticsearch
) -> None:
    """One caller leaving while its batch is being written must not stop the others."""

    async def scenario() -> None:
        client = AsyncElasticsearch(settings.es_url)
        auditor = Auditor(client, settings.index_prefix)
        try:
            callers = [
                asyncio.create_task(
                    auditor.record("record.view", JOURNALIST, "127.0.0.1", record_ids=[f"r{n}"])
                )
                for n in range(5)
            ]
            for _ in range(3):  # every caller queued; the writer has taken them as one batch
                await asyncio.sleep(0)
            callers[1].cancel()
            others = [caller for n, caller in enumerate(callers) if n != 1]
            await asyncio.wait_for(asyncio.gather(*others), timeout=15)
            assert callers[1].cancelled()
            await asyncio.wait_for(
                auditor.record("record.view", JOURNALIST, "127.0.0.1", record_ids=["later"]),
                timeout=15,
            )
        finally:
            await client.close()

    run_async(scenario())
    # The cancelled caller's event was already in the bulk request: it is kept too.
    assert _audit_ids(es, settings, "record.view") == ["later", "r0", "r1", "r2", "r3", "r4"]


def test_a_failed_audit_write_is_logged_and_later_events_are_still_written(
    settings: Settings, es: Elasticsearch, caplog: pytest.LogCaptureFixture
) -> None:
    audit = audit_index(settings.index_prefix)

    async def scenario() -> None:
        client = AsyncElasticsearch(settings.es_url)
        auditor = Auditor(client, settings.index_prefix)
        try:
            await auditor.record("search", JOURNALIST, "127.0.0.1")  # creates the index
            await client.indices.put_settings(index=audit, settings={"index.blocks.write": True})
            try:
                with pytest.raises(IndexUnavailable, match="audit log could not be written"):
                    await asyncio.wait_for(
                        auditor.record("record.view", JOURNALIST, "127.0.0.1", record_ids=["x"]),
                        timeout=15,
                    )
            finally:
                await client.indices.put_settings(
                    index=audit, settings={"index.blocks.write": False}
                )
            await asyncio.wait_for(
                auditor.record("record.view", JOURNALIST, "127.0.0.1", record_ids=["after"]),
                timeout=15,
            )
        finally:
            await client.close()

    with caplog.at_level(logging.ERROR, logger="search_api.audit"):
        run_async(scenario())
    failures = [r for r in caplog.records if r.name == "search_api.audit"]
    assert failures and all(r.levelno >= logging.ERROR for r in failures), caplog.text
    assert "block" in caplog.text, "the log names the cause"
    assert _audit_ids(es, settings, "record.view") == ["after"]


def _same_millisecond_events(es: Elasticsearch, settings: Settings) -> list[str]:
    """25 events by `witness`, five in each of five milliseconds, shaped as Auditor writes
    them; returns their markers (the `q` of each)."""
    events: list[dict[str, Any]] = []
    for n in range(25):
        events.append(
            {
                "at": f"2024-05-01T10:00:00.{n // 5:03d}+00:00",
                "user": "witness",
                "role": "journalist",
                "action": "record.view",
                "outcome": "ok",
                "client": "127.0.0.1",
                "params": "{}",
                "q": f"event-{n:03d}",
                "record_ids": [f"r{n}"],
                "total": None,
            }
        )
    _bulk_create(es, audit_index(settings.index_prefix), "audit", events)
    return sorted(event["q"] for event in events)


def _follow(client: TestClient, first: str, headers: dict[str, str], older: str) -> list[str]:
    """Every page from `first` on, through its `older` link; the text of each page."""
    pages: list[str] = []
    url: str | None = first
    while url is not None and len(pages) < 20:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.text
        pages.append(response.text)
        link = re.search(rf'<a href="([^"]+)"[^>]*>{older}</a>', response.text)
        url = first.split("?")[0] + html.unescape(link.group(1)) if link else None
    return pages


def test_the_audit_page_shows_events_sharing_a_millisecond_exactly_once(
    settings: Settings,
    es: Elasticsearch,
    tokens: dict[str, dict[str, str]],
    make_client: ClientFactory,
) -> None:
    markers = _same_millisecond_events(es, settings)
    with make_client(settings) as client:
        pages = _follow(client, "/audit?user=witness&size=7", tokens["root"], "Older events")
    seen = [marker for page in pages for marker in re.findall(r"event-\d{3}", page)]
    assert sorted(seen) == markers, f"{len(seen)} of {len(markers)} shown"
    assert len(pages) == 4


def test_the_audit_api_pages_by_cursor_through_events_sharing_a_millisecond(
    settings: Settings,
    es: Elasticsearch,
    tokens: dict[str, dict[str, str]],
    make_client: ClientFactory,
) -> None:
    markers = _same_millisecond_events(es, settings)
    with make_client(settings) as client:
        body = client.get(
            "/api/audit", params={"user": "witness", "size": 7}, headers=tokens["root"]
        ).json()
        pages = [body]
        while body["next"] and len(pages) < 20:
            body = client.get("/api/audit" + body["next"], headers=tokens["root"]).json()
            pages.append(body)
        schema = client.get("/openapi.json").json()
    seen = [event["q"] for page in pages for event in page["events"]]
    assert sorted(seen) == markers, f"{len(seen)} of {len(markers)} listed"
    assert [page["offset"] for page in pages] == [0, 7, 14, 21]
    assert pages[-1]["next_cursor"] is None
    assert all(page["next"].startswith("?user=witness&size=7&cursor=") for page in pages[:-1])
    parameters = {p["name"] for p in schema["paths"]["/api/audit"]["get"]["parameters"]}
    assert {"cursor", "size", "user"} <= parameters
    assert {"events", "next_cursor", "next", "offset"} <= set(
        schema["components"]["schemas"]["AuditPage"]["properties"]
    )


def _point_in_time_of(cursor: str, settings: Settings, params: AuditParams) -> str:
    """The point-in-time id inside an audit cursor, decrypted with the app's key."""
    key = search_key("audit" + params.model_dump_json(exclude={"cursor", "size"}))
    return str(decode_cursor(cursor, settings.secret_key.get_secret_value(), key).pit)


def test_a_bad_foreign_or_expired_audit_cursor_is_a_400_with_a_message(
    settings: Settings,
    es: Elasticsearch,
    tokens: dict[str, dict[str, str]],
    make_client: ClientFactory,
) -> None:
    _same_millisecond_events(es, settings)
    admin = tokens["root"]
    with make_client(settings) as client:
        forged = client.get("/api/audit", params={"cursor": "abc.def"}, headers=admin)
        assert forged.status_code == 400
        assert forged.json()["detail"] == "The cursor is not valid; start the search again."
        cursor = client.get("/api/audit", params={"user": "witness", "size": 7}, headers=admin)
        foreign = client.get(
            "/api/audit",
            params={"user": "someone", "cursor": cursor.json()["next_cursor"]},
            headers=admin,
        )
        assert foreign.status_code == 400
        assert "belongs to another search" in foreign.json()["detail"]
        token = cursor.json()["next_cursor"]
        es.close_point_in_time(id=_point_in_time_of(token, settings, AuditParams(user="witness")))
        expired = client.get(
            "/api/audit", params={"user": "witness", "size": 7, "cursor": token}, headers=admin
        )
        assert expired.status_code == 400
        assert (
            expired.json()["detail"] == "The cursor has expired; start again from the first page."
        )
        page = client.get("/audit", params={"cursor": "abc.def"}, headers=admin)
        assert page.status_code == 400 and "The cursor is not valid" in page.text


def test_the_user_list_has_every_account_past_a_thousand(
    settings: Settings, es: Elasticsearch
) -> None:
    password_hash = hash_password(PASSWORD)
    names = [f"user{n:04d}" for n in range(1005)]
    _bulk_create(
        es,
        users_index(settings.index_prefix),
        "users",
        [
            {
                "_id": name,
                "username": name,
                "role": "journalist",
                "password_hash": password_hash,
                "disabled": False,
                "created": "2024-05-01T10:00:00+00:00",
                "tokens": [],
            }
            for name in names
        ],
    )

    async def listed() -> list[str]:
        client = AsyncElasticsearch(settings.es_url)
        try:
            return [user.username for user in await UserStore(client, settings).list()]
        finally:
            await client.close()

    assert run_async(listed()) == names


def test_the_uploads_page_pages_through_every_job(
    settings: Settings,
    es: Elasticsearch,
    tokens: dict[str, dict[str, str]],
    make_client: ClientFactory,
) -> None:
    """105 jobs of the investigator, many created in the same second, and 2 of someone else."""

    def job(n: int, owner: str) -> dict[str, Any]:
        created = f"2024-05-01T10:00:{n % 3:02d}+00:00"
        return {
            "_id": f"up-{owner}{n:012x}",
            "owner": owner,
            "filename": f"bundle-{n}.zip",
            "sha256": f"{n:064x}",
            "size": 1000 + n,
            "status": "done",
            "created": created,
            "updated": created,
            "bundle": f"/srv/uploads/bundles/{n}",
            "read": 1,
            "indexed": 1,
            "unchanged": 0,
            "rejected": 0,
            "rejections": [],
            "warnings": [],
        }

    jobs = [job(n, "inv") for n in range(105)] + [job(n, "other") for n in range(2)]
    own = sorted(str(j["_id"]) for j in jobs if j["owner"] == "inv")
    _bulk_create(es, uploads_index(settings.index_prefix), "uploads", jobs)
    with make_client(settings) as client:
        pages = _follow(client, "/uploads", tokens["inv"], "Older uploads")
        everyone = _follow(client, "/uploads", tokens["root"], "Older uploads")
    seen = [found for page in pages for found in re.findall(r'href="/uploads/(up-[^"]+)"', page)]
    assert sorted(seen) == own, f"{len(seen)} of {len(own)} shown"
    listed = [
        found for page in everyone for found in re.findall(r'href="/uploads/(up-[^"]+)"', page)
    ]
    assert len(listed) == len(set(listed)) == 107


def _recording(client: AsyncElasticsearch) -> list[str]:
    """The method and target of every request `client` sends to the real node."""
    sent: list[str] = []
    forward: Callable[..., Any] = client.transport.perform_request

    async def record(method: str, target: str, **options: Any) -> Any:
        sent.append(f"{method} {target}")
        return await forward(method, target, **options)

    client.transport.perform_request = record  # type: ignore[method-assign]
    return sent


def test_request_path_writes_wait_for_a_refresh_instead_of_forcing_one(
    settings: Settings, es: Elasticsearch, tmp_path: Path
) -> None:
    async def writes() -> list[str]:
        client = AsyncElasticsearch(settings.es_url)
        sent = _recording(client)
        try:
            users = UserStore(client, settings)
            await users.add("ana", Role.INVESTIGATOR, PASSWORD)
            token_id, _ = await users.issue_token("ana")
            await users.revoke("ana", token_id)
            await users.close()
            queue = jobqueue.connect(settings)
            jobs = UploadJobs(client, settings, queue)
            ana = AccessContext(Role.INVESTIGATOR, "ana")
            await jobs.create(ana, "bundle.zip", "0" * 64, 10, tmp_path)
        finally:
            await client.close()
            queue.close()
        return [
            line
            for line in sent
            if line.startswith(("PUT ", "POST ")) and ("/_create/" in line or "/_doc/" in line)
        ]

    written = run_async(writes())
    assert len(written) == 4, written
    assert all("refresh=wait_for" in line for line in written), written
