"""`create_app(settings)`: the one place the app is assembled."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from evidence import jobqueue
from evidence.clients import async_client
from evidence.settings import Settings, get_settings
from evidence.signing import KeyRing
from frontend import STATIC_DIR, TEMPLATES_DIR
from search_api import labels, locale, text
from search_api.accounts import pages as accounts_pages
from search_api.accounts.identify import identify
from search_api.accounts.sessions import LoginBackoff, SessionStore
from search_api.accounts.store import UserStore
from search_api.annotations import api as annotations_api
from search_api.annotations import pages as annotations_pages
from search_api.annotations.store import AnnotationStore
from search_api.audit import Auditor
from search_api.cases import api as cases_api
from search_api.cases import pages as cases_pages
from search_api.chronologies import api as chronologies_api
from search_api.chronologies import pages as chronologies_pages
from search_api.chronologies.collect import collect_context
from search_api.chronologies.store import ChronologyStore
from search_api.collections.service import require_upload_right
from search_api.collections.store import CollectionStore
from search_api.errors import install_error_handlers
from search_api.facilities import api as facilities_api
from search_api.facilities import pages as facilities_pages
from search_api.headers import SecurityHeaders
from search_api.jobs import api as jobs_api
from search_api.jobs import pages as jobs_pages
from search_api.lists import api as lists_api
from search_api.lists import pages as lists_pages
from search_api.lists.store import ListStore
from search_api.packages import api as packages_api
from search_api.packages import pages as packages_pages
from search_api.paging import PitChains
from search_api.persons import api as persons_api
from search_api.persons import pages as persons_pages
from search_api.redactions import api as redactions_api
from search_api.redactions import pages as redactions_pages
from search_api.redactions.store import RedactionStore
from search_api.routes import admin, api, health, language, pages
from search_api.store import Store
from search_api.teams import api as teams_api
from search_api.teams import pages as teams_pages
from search_api.teams.store import TeamStore
from search_api.uploads import api as uploads_api
from search_api.uploads import pages as uploads_pages
from search_api.uploads.guard import UploadGuard
from search_api.uploads.jobs import UploadJobs
from search_api.watches import api as watches_api
from search_api.watches import pages as watches_pages
from search_api.watches.store import WatchStore

__all__ = ["create_app"]

Mark = Callable[[str, str, str], Awaitable[None]]


async def mark_job(
    by_prefix: dict[str, Mark], otherwise: Mark, job_id: str, status: str, message: str
) -> None:
    """Say on a job's page (a list search's, else an upload's) what an admin did to it."""
    mark = next((m for p, m in by_prefix.items() if job_id.startswith(p)), otherwise)
    await mark(job_id, status, message)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        es = async_client(settings, request_timeout=settings.request_timeout, max_retries=2)
        app.state.store = Store(es, settings.index_prefix)
        app.state.pit_chains = PitChains(app.state.store.close_pit, settings.pits_per_caller)
        app.state.users = UserStore(es, settings)
        app.state.sessions = SessionStore(es, settings.index_prefix)
        app.state.login_backoff = LoginBackoff(es, settings.index_prefix)
        app.state.auditor = Auditor(es, settings.index_prefix)
        app.state.teams = TeamStore(es, settings.index_prefix)
        app.state.annotations = AnnotationStore(es, settings.index_prefix)
        app.state.chronologies = ChronologyStore(es, settings.index_prefix)
        app.state.lists = ListStore(es, settings.index_prefix)
        app.state.watches = WatchStore(es, settings.index_prefix)
        app.state.unread = app.state.watches.unread  # the header's count of new matches
        queue = jobqueue.connect(settings)  # the API only enqueues; workers run jobs
        app.state.queue = queue
        app.state.uploads = UploadJobs(es, settings, queue)
        # The job admin tells an upload or a list search what it did to its job.
        app.state.mark_upload = partial(
            mark_job, {"ls-": app.state.lists.mark}, app.state.uploads.mark
        )
        app.state.collections = CollectionStore(es, settings.index_prefix)
        app.state.redactions = RedactionStore(es, settings.index_prefix)
        app.state.require_upload_right = partial(require_upload_right, app.state.collections)
        try:
            yield
        finally:
            await app.state.pit_chains.close()
            await app.state.users.close()
            await es.close()
            queue.close()

    app = FastAPI(
        title="Caesar–Atlas evidence index",
        version="0.1.0",
        lifespan=lifespan,
        # Swagger UI and ReDoc load scripts from a CDN and inline, which the
        # Content-Security-Policy forbids: the description is at /openapi.json.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.identify = identify
    app.state.keys = KeyRing(settings.signing_keys_dir)  # read per package, never at start
    app.state.collect_context = collect_context  # pages offer "Add to chronology"
    app.state.annotations_context = annotations_pages.annotations_context  # record pages
    app.state.tagged = annotations_api.tags_of  # search's tag facet and filter
    app.state.templates = Jinja2Templates(directory=TEMPLATES_DIR)
    locale.install(app.state.templates)
    app.state.templates.env.filters["label"] = labels.label
    app.state.templates.env.filters["human_title"] = text.human_title
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(accounts_pages.router)
    app.include_router(admin.router)
    app.include_router(redactions_api.router)
    app.include_router(redactions_pages.router)
    app.include_router(chronologies_api.router)
    app.include_router(chronologies_pages.router)
    app.include_router(packages_api.router)
    app.include_router(packages_pages.router)
    app.include_router(uploads_api.router)
    app.include_router(uploads_pages.router)
    app.include_router(jobs_api.router)
    app.include_router(lists_api.router)
    app.include_router(lists_pages.router)
    app.include_router(annotations_api.router)
    app.include_router(annotations_pages.router)
    app.include_router(facilities_api.router)
    app.include_router(facilities_pages.router)
    app.include_router(persons_api.router)
    app.include_router(persons_pages.router)
    app.include_router(cases_api.router)
    app.include_router(cases_pages.router)
    app.include_router(teams_api.router)
    app.include_router(teams_pages.router)
    app.include_router(watches_api.router)
    app.include_router(watches_pages.router)
    app.include_router(jobs_pages.router)
    app.include_router(health.router)
    app.include_router(language.router)
    install_error_handlers(app)
    # Uploads are refused from their headers, before their body is read; the last added
    # runs first, so even those refusals carry the security headers.
    app.add_middleware(UploadGuard)
    app.add_middleware(SecurityHeaders)
    return app
