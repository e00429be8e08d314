"""Every page that shows data links the JSON route that answers the same thing, and the
link works (docs/architecture.md lists them)."""

from __future__ import annotations

import re
from pathlib import Path

from elasticsearch import AsyncElasticsearch

from evidence import jobqueue
from evidence.access import AccessContext, Role
from evidence.settings import Settings
from search_api.accounts.store import UserStore
from search_api.uploads.jobs import UploadJobs
from tests.conftest import ClientFactory, run_async

PASSWORD = "a long enough password"
_JSON_LINK = re.compile(r'<a href="([^"]+)">JSON</a>')


def _admin_token_and_upload(settings: Settings) -> tuple[str, str]:
    async def prepare() -> tuple[str, str]:
        client = AsyncElasticsearch(settings.es_url)
        try:
            users = UserStore(client, settings)
            await users.add("root", Role.ADMIN, PASSWORD)
            _, token = await users.issue_token("root")
            queue = jobqueue.connect(settings)
            jobs = UploadJobs(client, settings, queue)
            root = AccessContext(Role.ADMIN, "root")
            job = await jobs.create(root, "bundle.zip", "0" * 64, 1, Path("/nonexistent"))
            queue.close()
            return token, job
        finally:
            await client.close()

    return run_async(prepare())


def test_every_data_page_links_a_working_json_twin(
    tiny_loaded: Settings, make_client: ClientFactory
) -> None:
    token, job = _admin_token_and_upload(tiny_loaded)
    headers = {"Authorization": f"Bearer {token}"}
    with make_client(tiny_loaded) as client:
        record = client.get("/api/search", headers=headers).json()["hits"][0]["stable_id"]
        made = client.post("/api/chronologies", json={"title": "Twins"}, headers=headers)
        chronology = made.json()["id"]
        listed = client.post("/api/list-searches", data={"text": "hospital"}, headers=headers)
        assert listed.status_code == 202, listed.text
        pages = [
            "/?q=hospital",
            f"/records/{record}",
            "/timeline",
            "/chronologies",
            f"/chronologies/{chronology}",
            "/audit?action=search",
            "/uploads",
            f"/uploads/{job}",
            "/admin/jobs?state=queued",
            "/lists",
            f"/lists/{listed.json()['id']}",
            "/watch",
            "/teams",
            "/notes?q=hospital",
            f"/chronologies/{chronology}/history",
            f"/chronologies/{chronology}/history?fact=f-000000000000",
        ]
        for page in pages:
            answer = client.get(page, headers=headers)
            assert answer.status_code == 200, (page, answer.text[:300])
            links = _JSON_LINK.findall(answer.text)
            assert links, f"{page} links no JSON twin"
            twin = client.get(links[0].replace("&amp;", "&"), headers=headers)
            assert twin.status_code == 200, (page, links[0], twin.text[:300])
            assert twin.headers["content-type"].startswith("application/json"), (page, links[0])
