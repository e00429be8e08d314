"""Chronologies over JSON: create, read, rename, delete, facts, reorder, export."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from search_api import chronology_export, chronology_service
from search_api.chronology import Chronology, ChronologyStore, FactIn
from search_api.deps import CallerDep, StoreDep
from search_api.models import ErrorOut

router = APIRouter(prefix="/api/chronologies", tags=["chronologies"])

_ERRORS: dict[int | str, dict] = {
    400: {"model": ErrorOut},
    401: {"model": ErrorOut, "description": "Log in first"},
    404: {"model": ErrorOut},
    409: {"model": ErrorOut, "description": "Changed by someone else"},
    503: {"model": ErrorOut},
}
Version = Annotated[str, Field(max_length=40, description="From the last read or write.")]


class CreateIn(BaseModel):
    title: str = Field(min_length=1, max_length=300)


class Created(BaseModel):
    id: str


class RenameIn(BaseModel):
    version: Version
    title: str = Field(min_length=1, max_length=300)


class FactWrite(BaseModel):
    version: Version
    fact: FactIn


class EventAdd(BaseModel):
    version: Version
    event_id: str = Field(max_length=100)


class MoveIn(BaseModel):
    version: Version
    direction: Literal["up", "down"]


def _chronologies(request: Request) -> ChronologyStore:
    return request.app.state.chronologies


@router.post("", status_code=201, response_model=Created, responses=_ERRORS)
async def create(request: Request, body: CreateIn, caller: CallerDep) -> Created:
    """Start a chronology; it belongs to you (admins can open any)."""
    return Created(id=await chronology_service.create(_chronologies(request), caller, body.title))


@router.get("", responses=_ERRORS)
async def list_chronologies(request: Request, caller: CallerDep) -> list[dict]:
    return await _chronologies(request).list(caller.access)


@router.get("/{chronology_id}", response_model=Chronology, responses=_ERRORS)
async def read(
    request: Request, chronology_id: str, store: StoreDep, caller: CallerDep
) -> Chronology:
    return await chronology_service.open_chronology(
        store, _chronologies(request), caller, chronology_id
    )


@router.patch("/{chronology_id}", response_model=Chronology, responses=_ERRORS)
async def rename(
    request: Request, chronology_id: str, body: RenameIn, store: StoreDep, caller: CallerDep
) -> Chronology:
    return await chronology_service.rename(
        store, _chronologies(request), caller, chronology_id, body.version, body.title
    )


@router.delete("/{chronology_id}", status_code=204, responses=_ERRORS)
async def delete(
    request: Request,
    chronology_id: str,
    caller: CallerDep,
    version: Annotated[str, Query(max_length=40)],
) -> Response:
    await chronology_service.delete(_chronologies(request), caller, chronology_id, version)
    return Response(status_code=204)


@router.post("/{chronology_id}/facts", response_model=Chronology, responses=_ERRORS)
async def add_fact(
    request: Request, chronology_id: str, body: FactWrite, store: StoreDep, caller: CallerDep
) -> Chronology:
    """Add a free-standing fact; each citation must name a record you can see."""
    return await chronology_service.add_fact(
        store, _chronologies(request), caller, chronology_id, body.version, body.fact
    )


@router.post("/{chronology_id}/events", response_model=Chronology, responses=_ERRORS)
async def add_event(
    request: Request, chronology_id: str, body: EventAdd, store: StoreDep, caller: CallerDep
) -> Chronology:
    """Add a timeline event as a fact, cited to its record."""
    return await chronology_service.add_event(
        store, _chronologies(request), caller, chronology_id, body.version, body.event_id
    )


@router.put("/{chronology_id}/facts/{fact_id}", response_model=Chronology, responses=_ERRORS)
async def update_fact(
    request: Request,
    chronology_id: str,
    fact_id: str,
    body: FactWrite,
    store: StoreDep,
    caller: CallerDep,
) -> Chronology:
    return await chronology_service.update_fact(
        store, _chronologies(request), caller, chronology_id, body.version, fact_id, body.fact
    )


@router.delete("/{chronology_id}/facts/{fact_id}", response_model=Chronology, responses=_ERRORS)
async def delete_fact(
    request: Request,
    chronology_id: str,
    fact_id: str,
    store: StoreDep,
    caller: CallerDep,
    version: Annotated[str, Query(max_length=40)],
) -> Chronology:
    return await chronology_service.delete_fact(
        store, _chronologies(request), caller, chronology_id, version, fact_id
    )


@router.post("/{chronology_id}/facts/{fact_id}/move", response_model=Chronology, responses=_ERRORS)
async def move_fact(
    request: Request,
    chronology_id: str,
    fact_id: str,
    body: Annotated[MoveIn, Body()],
    store: StoreDep,
    caller: CallerDep,
) -> Chronology:
    """Reorder a fact among those on the same date."""
    return await chronology_service.move_fact(
        store, _chronologies(request), caller, chronology_id, body.version, fact_id, body.direction
    )


_FORMATS = {
    "csv": ("text/csv; charset=utf-8", chronology_export.to_csv),
    "json": ("application/json", chronology_export.to_json),
    "html": ("text/html; charset=utf-8", chronology_export.to_html),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        chronology_export.to_docx,
    ),
}


@router.get("/{chronology_id}/export", responses=_ERRORS, response_class=Response)
async def export(
    request: Request,
    chronology_id: str,
    store: StoreDep,
    caller: CallerDep,
    format: Literal["csv", "json", "html", "docx"] = "docx",
) -> Response:
    """The chronology for court: CSV, JSON, printable HTML or Word."""
    chronology = await chronology_service.open_chronology(
        store, _chronologies(request), caller, chronology_id
    )
    await caller.audit("chronology.export", params={"chronology": chronology_id, "format": format})
    media_type, render = _FORMATS[format]
    disposition = "inline" if format == "html" else "attachment"
    headers = {"Content-Disposition": f'{disposition}; filename="{chronology_id}.{format}"'}
    return Response(render(chronology), media_type=media_type, headers=headers)
