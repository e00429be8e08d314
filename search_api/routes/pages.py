"""HTML routes: the same service as the JSON API, rendered through Jinja2 templates."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from evidence.errors import EvidenceError
from search_api import media, record_service, service
from search_api.charts import HEIGHT, WIDTH, histogram_bars
from search_api.deps import Caller, CallerDep, EncoderDep, SettingsDep, StoreDep, tags_for
from search_api.errors import status_for
from search_api.facets import FACETS
from search_api.locale import N_
from search_api.paging import ChainsDep
from search_api.params import SearchParams
from search_api.routes.language import local_path
from search_api.routes.render import CSRF_COOKIE, render, require_csrf
from search_api.store import Store
from search_api.text import TextRenderer, facility_name, human_time, human_title, plain
from search_api.urls import Links, chips, query_string

router = APIRouter(include_in_schema=False)

BOUND_LABELS = {
    "date_from": N_("From"),
    "date_to": N_("To"),
    "ocr_below": N_("Machine-read below"),
    "since": N_("New since"),
}


@router.get("/help", response_class=HTMLResponse)
async def help_page(request: Request, caller: CallerDep) -> HTMLResponse:
    """How to search: the syntax, with examples that run the search they show."""
    return render(request, "help.html", {}, caller)


@router.get("/", response_class=HTMLResponse)
async def search_page(
    request: Request,
    params: Annotated[SearchParams, Query()],
    store: StoreDep,
    caller: CallerDep,
    settings: SettingsDep,
    chains: ChainsDep,
    encoder: EncoderDep,
) -> HTMLResponse:
    base = {
        "params": params,
        "json_url": "/api/search" + query_string(params),
        "export_url": "/api/export" + query_string(params, cursor=None),
        "first_page": query_string(params, cursor=None),
        # Where a record page's "Back to results" returns: this very page of results.
        "back": "/" + query_string(params),
        "chart": {"width": WIDTH, "height": HEIGHT},
        "chips": chips(params),
        "clear_all": Links(params).without_filters(),
        "facet_labels": {spec.name: spec.label for spec in FACETS} | BOUND_LABELS,
        "place_name": facility_name,
    }
    base |= await request.app.state.collect_context(request, caller)
    secret = settings.secret_key.get_secret_value()
    try:
        tagged = await tags_for(request, caller, params.tag, params.cursor is None)
        results = await service.search(store, params, caller, secret, chains, encoder, tagged)
    except EvidenceError as error:
        return render(
            request, "search.html", base | {"error": str(error)}, caller, status_for(error)
        )
    bars = histogram_bars(results.histogram)
    return render(request, "search.html", base | {"results": results, "bars": bars}, caller)


# What the record page keeps in its links: the query whose words it marks, and the
# search to go back to (a path on this site only).
RecordQuery = Annotated[str, Query(max_length=1000)]
BackPath = Annotated[str | None, Query(max_length=2000)]


def _record_url(stable_id: str, *, q: str, back: str | None, page: int | None = None) -> str:
    """A link to one page of the record, keeping the query and the way back."""
    params = {"q": q or None, "page": page, "back": back}
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"/records/{quote(stable_id)}" + (f"?{query}" if query else "")


async def _record_view(
    request: Request,
    stable_id: str,
    store: Store,
    caller: Caller,
    *,
    page: int | None,
    q: str,
    back: str | None,
    ticket: str | None = None,
) -> HTMLResponse:
    """The record page: one page of a document at a time with the query's words marked,
    and a graphic photo blurred unless this very answer reveals it (with `ticket`, which
    opens its original to this caller for a few minutes)."""
    try:
        found = await record_service.record(store, stable_id, caller)
    except EvidenceError as error:
        return render(request, "error.html", {"error": str(error)}, caller, status_for(error))
    if ticket and found.has_image and found.graphic:
        await caller.audit("image.reveal", record_ids=[stable_id], params={"sha256": found.sha256})
    else:
        ticket = None
    terms = record_service.view_terms(q, found, caller)
    view = record_service.document_view(found.pages, page, terms)
    back = back if back and local_path(back) == back else None

    def url(number: int | None = None) -> str:
        return _record_url(stable_id, q=q, back=back, page=number)

    context = {
        "record": found,
        "reveal": ticket is not None,
        "ticket": ticket,
        "json_url": f"/api/records/{stable_id}",
        "view": view,
        "q": q,
        "back": back,
        "url": url,
        "text": TextRenderer(terms),
        "plain": plain,
        "human_title": human_title,
        "human_time": human_time,
        "fields": record_service.detail_fields,
        "near_distance": record_service.near_distance,
        "facility_name": facility_name,
    }
    context |= await request.app.state.collect_context(request, caller)
    context |= await request.app.state.annotations_context(request, caller, stable_id)
    return render(request, "record.html", context, caller)


@router.get("/records/{stable_id}", response_class=HTMLResponse)
async def record_page(
    request: Request,
    stable_id: str,
    store: StoreDep,
    caller: CallerDep,
    page: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    q: RecordQuery = "",
    back: BackPath = None,
) -> HTMLResponse:
    """A record; `?q=&page=` is where a snippet's link lands (`#hit`, its first mark).
    A graphic photo is always blurred here: only the form below reveals it."""
    return await _record_view(request, stable_id, store, caller, page=page, q=q, back=back)


@router.post("/records/{stable_id}", response_class=HTMLResponse)
async def record_reveal(
    request: Request,
    stable_id: str,
    store: StoreDep,
    caller: CallerDep,
    settings: SettingsDep,
    csrf: Annotated[str, Form(max_length=128)] = "",
    back: Annotated[str | None, Form(max_length=2000)] = None,
) -> HTMLResponse:
    """ "Show image": the record page with its photo unblurred, in this answer only, so a
    shared or reloaded address opens it blurred again. The deliberate act, audited as
    `image.reveal`; its ticket opens the original (image and download) to this caller
    for `media.TICKET_SECONDS`."""
    require_csrf(request, csrf)
    secret = settings.secret_key.get_secret_value()
    holder = media.ticket_holder(caller.access.user, request.cookies.get(CSRF_COOKIE))
    ticket = media.reveal_ticket(secret, holder, stable_id) if holder else None
    return await _record_view(
        request, stable_id, store, caller, page=None, q="", back=back, ticket=ticket
    )


@router.get("/records/{stable_id}/original", response_class=FileResponse)
async def record_original(
    request: Request,
    stable_id: str,
    store: StoreDep,
    caller: CallerDep,
    settings: SettingsDep,
    ticket: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The original file to keep, audited with its SHA-256; a hidden or absent record is
    the same 404 as one without a file. A graphic photo's needs the `ticket` of its
    record page's "Show image" (a browser's; a program's Bearer token needs none):
    without it, a page that sends the reader there."""
    reveal_pass = media.pass_for(request, caller, ticket)
    try:
        found = await media.download(store, settings.originals_dir, stable_id, caller, reveal_pass)
    except media.GraphicLocked:
        context = {"record_url": f"/records/{quote(stable_id)}"}
        return render(request, "graphic_locked.html", context, caller, 403)
    extension = media.DOWNLOAD_TYPES.get(found.media_type, "")
    headers = {"Cache-Control": "private, no-store"}
    return FileResponse(
        found.path,
        media_type=found.media_type,
        filename=f"{stable_id}{extension}",
        headers=headers,
    )
