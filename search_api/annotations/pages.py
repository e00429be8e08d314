"""Notes and tags in the pages: the record page's section (through
`app.state.annotations_context`), its forms, tagging the records ticked on a results
page, and the page that searches your notes. Forms carry the CSRF token; a refused one
is an error page with the reason, since nothing long was typed but a note, which the
record page keeps."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from evidence.errors import N_, EvidenceError, InvalidRequest
from search_api.annotations.api import AnnotationsDep, annotation_service
from search_api.annotations.models import NoteIn, TagIn
from search_api.deps import Caller
from search_api.errors import problems, status_for
from search_api.routes.language import local_path
from search_api.routes.render import render, require_csrf

router = APIRouter(include_in_schema=False)
Csrf = Annotated[str, Form(max_length=128)]
Team = Annotated[str, Form(max_length=40)]
Next = Annotated[str, Form(alias="next", max_length=2000)]
_PAGE = 20


async def annotations_context(request: Request, caller: Caller, record_id: str) -> dict[str, Any]:
    """`notes` and `tags` on the record as the caller may see them, and `note_teams`
    they may share with; nothing for a visitor. A failure leaves the section out."""
    if caller.access.user is None:
        return {}
    annotations = annotation_service(request, request.app.state.store, caller)
    try:
        found = await annotations.on_record(record_id)
        teams = sorted(await request.app.state.teams.roles_of(caller.access.user))
    except EvidenceError as error:
        return {"annotations_error": str(error)}
    return {
        "notes": [a for a in found if a.kind == "note"],
        "tags": [a for a in found if a.kind == "tag"],
        "note_teams": teams,
    }


def _back(record_id: str) -> RedirectResponse:
    return RedirectResponse(f"/records/{record_id}#notes", status_code=303)


def _refused(request: Request, caller: Caller, error: EvidenceError) -> HTMLResponse:
    return render(request, "error.html", {"error": str(error)}, caller, status_for(error))


def _model(model: type[NoteIn] | type[TagIn], fields: dict[str, Any]) -> Any:
    try:
        return model.model_validate(fields)
    except ValidationError as error:
        raise InvalidRequest(problems(error.errors(), {}, form=True)) from None


@router.post("/records/{record_id}/notes")
async def note_form(
    request: Request,
    record_id: str,
    annotations: AnnotationsDep,
    csrf: Csrf = "",
    text: Annotated[str, Form(max_length=6000)] = "",
    team: Team = "",
    protected: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    try:
        require_csrf(request, csrf)
        note = _model(
            NoteIn, {"text": text.strip(), "team": team or None, "protected": bool(protected)}
        )
        await annotations.add_note(record_id, note)
    except EvidenceError as error:
        return _refused(request, annotations.caller, error)
    return _back(record_id)


@router.post("/records/{record_id}/tags")
async def tag_form(
    request: Request,
    record_id: str,
    annotations: AnnotationsDep,
    csrf: Csrf = "",
    tag: Annotated[str, Form(max_length=100)] = "",
    team: Team = "",
) -> Response:
    try:
        require_csrf(request, csrf)
        await annotations.add_tag([record_id], _model(TagIn, {"tag": tag, "team": team or None}))
    except EvidenceError as error:
        return _refused(request, annotations.caller, error)
    return _back(record_id)


@router.post("/tags/bulk")
async def bulk_tag_form(
    request: Request,
    annotations: AnnotationsDep,
    csrf: Csrf = "",
    record_id: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
    tag: Annotated[str, Form(max_length=100)] = "",
    team: Team = "",
    next_page: Next = "",
) -> Response:
    """ "Tag selected" on a results page: the ticked records, then back to the results."""
    try:
        require_csrf(request, csrf)
        if not record_id:
            raise InvalidRequest(N_("Select at least one record to tag."))
        chosen = _model(TagIn, {"tag": tag, "team": team or None})
        await annotations.add_tag(record_id[:200], chosen)
    except EvidenceError as error:
        return _refused(request, annotations.caller, error)
    return RedirectResponse(local_path(next_page or "/"), status_code=303)


@router.post("/annotations/{annotation_id}/delete")
async def delete_form(
    request: Request,
    annotation_id: str,
    annotations: AnnotationsDep,
    csrf: Csrf = "",
    next_page: Next = "",
) -> Response:
    try:
        require_csrf(request, csrf)
        await annotations.delete(annotation_id)
    except EvidenceError as error:
        return _refused(request, annotations.caller, error)
    return RedirectResponse(local_path(next_page or "/notes"), status_code=303)


@router.get("/notes", response_class=HTMLResponse)
async def notes_page(
    request: Request,
    annotations: AnnotationsDep,
    q: Annotated[str, Query(max_length=500)] = "",
    offset: Annotated[int, Query(ge=0, le=9_900)] = 0,
) -> HTMLResponse:
    caller = annotations.caller
    try:
        total, found = await annotations.search_notes(q, _PAGE, offset)
    except EvidenceError as error:
        return _refused(request, caller, error)
    query = "?" + urlencode({"q": q}) if q else ""
    context = {
        "q": q,
        "total": total,
        "notes": found,
        "offset": offset,
        "next_offset": offset + _PAGE if offset + _PAGE < total else None,
        "json_url": "/api/notes" + query,
    }
    return render(request, "notes.html", context, caller)
