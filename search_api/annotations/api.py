"""Notes and tags over JSON: on one record, on many at once, your notes searched, and
deleting your own."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from search_api.annotations.models import AnnotationOut, BulkTagIn, NoteIn, TagIn
from search_api.annotations.service import AnnotationService
from search_api.deps import Caller, CallerDep, StoreDep
from search_api.facets import Tagged
from search_api.models import ErrorOut

router = APIRouter(tags=["notes and tags"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut},
    401: {"model": ErrorOut, "description": "Log in first"},
    404: {"model": ErrorOut, "description": "No such record, team or annotation"},
    503: {"model": ErrorOut},
}


def annotation_service(request: Request, store: StoreDep, caller: CallerDep) -> AnnotationService:
    state = request.app.state
    return AnnotationService(store, state.annotations, state.teams, caller)


AnnotationsDep = Annotated[AnnotationService, Depends(annotation_service)]


async def tags_of(request: Request, caller: Caller) -> Tagged:
    """The caller's tags, for search's facet and filter (`app.state.tagged`)."""
    return await annotation_service(request, request.app.state.store, caller).tagged()


class OnRecord(BaseModel):
    notes: list[AnnotationOut]
    tags: list[AnnotationOut]


class TaggedOut(BaseModel):
    tagged: list[AnnotationOut]


class Notes(BaseModel):
    total: int = Field(description="Your and your teams' notes matching q.")
    notes: list[AnnotationOut] = Field(description="Those on records you may see now.")


@router.get("/api/records/{record_id}/annotations", response_model=OnRecord, responses=_ERRORS)
async def on_record(record_id: str, annotations: AnnotationsDep) -> OnRecord:
    """Your notes and tags on a record, and your teams' ones you may see."""
    found = await annotations.on_record(record_id)
    return OnRecord(
        notes=[a for a in found if a.kind == "note"], tags=[a for a in found if a.kind == "tag"]
    )


@router.post(
    "/api/records/{record_id}/notes",
    status_code=201,
    response_model=AnnotationOut,
    responses=_ERRORS,
)
async def add_note(record_id: str, body: NoteIn, annotations: AnnotationsDep) -> AnnotationOut:
    """A note on a record you may see: yours, or your team's. It is kept at least at the
    record's level; `protected` keeps it from roles below investigator."""
    return await annotations.add_note(record_id, body)


@router.post(
    "/api/records/{record_id}/tags",
    status_code=201,
    response_model=AnnotationOut,
    responses=_ERRORS,
)
async def add_tag(record_id: str, body: TagIn, annotations: AnnotationsDep) -> AnnotationOut:
    (made,) = await annotations.add_tag([record_id], body)
    return made


@router.post("/api/tags", status_code=201, response_model=TaggedOut, responses=_ERRORS)
async def add_tags(body: BulkTagIn, annotations: AnnotationsDep) -> TaggedOut:
    """Tag many records at once, as from search results; one you may not see is refused
    as one that does not exist, and nothing is tagged."""
    return TaggedOut(tagged=await annotations.add_tag(body.record_ids, body))


@router.get("/api/notes", response_model=Notes, responses=_ERRORS)
async def notes(
    annotations: AnnotationsDep,
    q: Annotated[str, Query(max_length=500)] = "",
    size: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=9_900)] = 0,
) -> Notes:
    """Search your notes and your teams' (only they can)."""
    total, found = await annotations.search_notes(q, size, offset)
    return Notes(total=total, notes=found)


@router.delete("/api/annotations/{annotation_id}", status_code=204, responses=_ERRORS)
async def delete(annotation_id: str, annotations: AnnotationsDep) -> Response:
    """Delete a note or tag you wrote."""
    await annotations.delete(annotation_id)
    return Response(status_code=204)
