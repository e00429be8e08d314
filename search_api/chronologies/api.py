"""Chronologies over JSON: create, read, rename, delete, facts, reorder, export."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from search_api import locale
from search_api.chronologies.export import to_csv, to_docx, to_html, to_json
from search_api.chronologies.models import Chronology, FactIn, HistoryEntry, Version
from search_api.chronologies.service import ChronologyService
from search_api.deps import CallerDep, StoreDep
from search_api.models import ErrorOut
from search_api.teams.models import TeamRole

router = APIRouter(prefix="/api/chronologies", tags=["chronologies"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut},
    401: {"model": ErrorOut, "description": "Log in first"},
    403: {"model": ErrorOut, "description": "A viewer changing it, or an editor sharing it"},
    404: {"model": ErrorOut},
    409: {"model": ErrorOut, "description": "Changed by someone else"},
    503: {"model": ErrorOut},
}
# Text here; each route reads it with `Version.parse`, which answers a malformed one with 400.
VersionText = Annotated[str, Field(max_length=40, description="From the last read or write.")]
VersionQuery = Annotated[str, Query(max_length=40, description="From the last read or write.")]


def get_chronologies(request: Request, store: StoreDep, caller: CallerDep) -> ChronologyService:
    state = request.app.state
    return ChronologyService(store, state.chronologies, state.teams, caller)


ChronologiesDep = Annotated[ChronologyService, Depends(get_chronologies)]


class CreateIn(BaseModel):
    title: str = Field(min_length=1, max_length=300)


class Created(BaseModel):
    id: str


class RenameIn(BaseModel):
    version: VersionText
    title: str = Field(min_length=1, max_length=300)


class FactWrite(BaseModel):
    version: VersionText
    fact: FactIn


class EventAdd(BaseModel):
    version: VersionText
    event_id: str = Field(max_length=100)


class CollectIn(BaseModel):
    version: VersionText | None = Field(
        default=None, description="Omit to add to the chronology as it is now."
    )
    event_ids: list[Annotated[str, Field(max_length=100)]] = Field(default=[], max_length=200)
    record_ids: list[Annotated[str, Field(max_length=100)]] = Field(default=[], max_length=200)


class Collected(BaseModel):
    added: list[str] = Field(description="`event:ID` and `record:ID` added now.")
    chronology: Chronology


class MoveIn(BaseModel):
    version: VersionText
    direction: Literal["up", "down"]


class ShareIn(BaseModel):
    team: str = Field(max_length=40)
    role: TeamRole = Field(description="viewer reads and comments; editor also changes facts.")


class CommentIn(BaseModel):
    text: str = Field(min_length=1, max_length=5000)


class RestoreIn(BaseModel):
    version: VersionText


class PrefixIn(BaseModel):
    prefix: str = Field(max_length=12, description="1 to 12 letters and digits: `EX`, `K215`.")


class History(BaseModel):
    entries: list[HistoryEntry] = Field(
        description="Newest first; changes to facts citing records you cannot see are left out."
    )


@router.post("", status_code=201, response_model=Created, responses=_ERRORS)
async def create(body: CreateIn, chronologies: ChronologiesDep) -> Created:
    """Start a chronology; it belongs to you (admins can open any)."""
    return Created(id=await chronologies.create(body.title))


@router.get("", responses=_ERRORS)
async def list_chronologies(chronologies: ChronologiesDep) -> list[dict[str, Any]]:
    """Your chronologies and those shared with your teams, each with your `right`."""
    return await chronologies.readable()


@router.get("/{chronology_id}", response_model=Chronology, responses=_ERRORS)
async def read(chronology_id: str, chronologies: ChronologiesDep) -> Chronology:
    return await chronologies.open(chronology_id)


@router.patch("/{chronology_id}", response_model=Chronology, responses=_ERRORS)
async def rename(chronology_id: str, body: RenameIn, chronologies: ChronologiesDep) -> Chronology:
    return await chronologies.rename(chronology_id, Version.parse(body.version), body.title)


@router.delete("/{chronology_id}", status_code=204, responses=_ERRORS)
async def delete(
    chronology_id: str, chronologies: ChronologiesDep, version: VersionQuery
) -> Response:
    await chronologies.delete(chronology_id, Version.parse(version))
    return Response(status_code=204)


@router.post("/{chronology_id}/facts", response_model=Chronology, responses=_ERRORS)
async def add_fact(
    chronology_id: str, body: FactWrite, chronologies: ChronologiesDep
) -> Chronology:
    """Add a free-standing fact; each citation must name a record you can see."""
    return await chronologies.add_fact(chronology_id, Version.parse(body.version), body.fact)


@router.post("/{chronology_id}/events", response_model=Chronology, responses=_ERRORS)
async def add_event(
    chronology_id: str, body: EventAdd, chronologies: ChronologiesDep
) -> Chronology:
    """Add a timeline event as a fact, cited to its record."""
    return await chronologies.add_event(chronology_id, Version.parse(body.version), body.event_id)


@router.post("/{chronology_id}/collect", response_model=Collected, responses=_ERRORS)
async def collect(chronology_id: str, body: CollectIn, chronologies: ChronologiesDep) -> Collected:
    """Add timeline events and records as facts at once; ones already in the chronology
    are not added again. An id you may not see is refused like an unknown one."""
    version = Version.parse(body.version) if body.version else None
    chronology, added = await chronologies.collect(
        chronology_id, body.event_ids, body.record_ids, version
    )
    return Collected(added=added, chronology=chronology)


@router.put("/{chronology_id}/facts/{fact_id}", response_model=Chronology, responses=_ERRORS)
async def update_fact(
    chronology_id: str, fact_id: str, body: FactWrite, chronologies: ChronologiesDep
) -> Chronology:
    version = Version.parse(body.version)
    return await chronologies.update_fact(chronology_id, version, fact_id, body.fact)


@router.delete("/{chronology_id}/facts/{fact_id}", response_model=Chronology, responses=_ERRORS)
async def delete_fact(
    chronology_id: str,
    fact_id: str,
    chronologies: ChronologiesDep,
    version: VersionQuery,
) -> Chronology:
    return await chronologies.delete_fact(chronology_id, Version.parse(version), fact_id)


@router.post("/{chronology_id}/facts/{fact_id}/move", response_model=Chronology, responses=_ERRORS)
async def move_fact(
    chronology_id: str, fact_id: str, body: MoveIn, chronologies: ChronologiesDep
) -> Chronology:
    """Reorder a fact among those on the same date."""
    version = Version.parse(body.version)
    return await chronologies.move_fact(chronology_id, version, fact_id, body.direction)


@router.post(
    "/{chronology_id}/facts/{fact_id}/comments", response_model=Chronology, responses=_ERRORS
)
async def comment(
    chronology_id: str, fact_id: str, body: CommentIn, chronologies: ChronologiesDep
) -> Chronology:
    """Add to a fact's thread; viewers may comment too. No version is needed: a comment
    changes nothing anyone else wrote."""
    return await chronologies.comment(chronology_id, fact_id, body.text)


@router.post("/{chronology_id}/shares", response_model=Chronology, responses=_ERRORS)
async def share(chronology_id: str, body: ShareIn, chronologies: ChronologiesDep) -> Chronology:
    """Share with one of your teams (owners and admins), or change its role. Each member
    still sees only the facts citing records their own role may see."""
    return await chronologies.share(chronology_id, body.team, body.role)


@router.delete("/{chronology_id}/shares/{team}", response_model=Chronology, responses=_ERRORS)
async def unshare(chronology_id: str, team: str, chronologies: ChronologiesDep) -> Chronology:
    return await chronologies.share(chronology_id, team, None)


@router.get("/{chronology_id}/history", response_model=History, responses=_ERRORS)
async def history(
    chronology_id: str,
    chronologies: ChronologiesDep,
    fact: Annotated[str | None, Query(max_length=40, description="One fact's changes.")] = None,
) -> History:
    """Every change to the facts: who, when, the fact before and after."""
    return History(entries=await chronologies.history(chronology_id, fact))


@router.post(
    "/{chronology_id}/history/{entry_id}/restore", response_model=Chronology, responses=_ERRORS
)
async def restore(
    chronology_id: str, entry_id: str, body: RestoreIn, chronologies: ChronologiesDep
) -> Chronology:
    """Put the fact back as this change left it (a deleted fact as it was before)."""
    return await chronologies.restore(chronology_id, Version.parse(body.version), entry_id)


@router.post("/{chronology_id}/exhibits/renumber", response_model=Chronology, responses=_ERRORS)
async def renumber(chronology_id: str, chronologies: ChronologiesDep) -> Chronology:
    """Number the exhibits again from 1 in the order the chronology first cites them
    (owners and admins). Numbers otherwise never change once given; this is recorded."""
    return await chronologies.renumber(chronology_id)


@router.put("/{chronology_id}/exhibits/prefix", response_model=Chronology, responses=_ERRORS)
async def set_prefix(
    chronology_id: str, body: PrefixIn, chronologies: ChronologiesDep
) -> Chronology:
    """The prefix of every exhibit number, per case (owners and admins)."""
    return await chronologies.set_prefix(chronology_id, body.prefix)


_FORMATS = {
    "csv": ("text/csv; charset=utf-8", to_csv),
    "json": ("application/json", to_json),
    "html": ("text/html; charset=utf-8", to_html),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        to_docx,
    ),
}


# The printable chronology is a standalone file with its own inline style and no script.
_PRINTABLE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


@router.get("/{chronology_id}/export", responses=_ERRORS, response_class=Response)
async def export(
    request: Request,
    chronology_id: str,
    chronologies: ChronologiesDep,
    format: Literal["csv", "json", "html", "docx"] = "docx",
    authors: Annotated[
        bool, Query(description="Say per fact who added it and who last changed it.")
    ] = False,
) -> Response:
    """The chronology for court: CSV, JSON, printable HTML or Word; the last two in the
    reader's interface language (its cookie or Accept-Language)."""
    # No template is rendered here to set it, and the worker thread below inherits it.
    locale.use(request)
    chronology = await chronologies.open(chronology_id)
    await chronologies.caller.audit(
        "chronology.export",
        params={"chronology": chronology_id, "format": format, "authors": authors},
    )
    media_type, render = _FORMATS[format]
    disposition = "inline" if format == "html" else "attachment"
    headers = {"Content-Disposition": f'{disposition}; filename="{chronology_id}.{format}"'}
    if format == "html":
        headers["Content-Security-Policy"] = _PRINTABLE_POLICY
    body = await run_in_threadpool(render, chronology, authors)
    return Response(body, media_type=media_type, headers=headers)
