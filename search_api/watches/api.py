"""Watched searches over JSON: save one, see what is new in each, open or delete one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from search_api.deps import CallerDep, StoreDep
from search_api.models import ErrorOut
from search_api.watches.models import WatchOut
from search_api.watches.service import WatchService

router = APIRouter(prefix="/api/watches", tags=["watches"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut},
    401: {"model": ErrorOut, "description": "Log in first"},
    404: {"model": ErrorOut},
    503: {"model": ErrorOut},
}


def get_watches(request: Request, store: StoreDep, caller: CallerDep) -> WatchService:
    state = request.app.state
    return WatchService(store, state.watches, caller, state.settings.watch_webhooks)


WatchesDep = Annotated[WatchService, Depends(get_watches)]


class WatchIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    search: str = Field(
        max_length=4000, description="The search page's address, or its query string."
    )
    webhook: str | None = Field(
        default=None,
        max_length=2000,
        description="Where to post {watch, new_count, url} (EVIDENCE_WATCH_WEBHOOKS=on).",
    )


class Opened(BaseModel):
    search: str = Field(description="The records new since you last opened the watch.")


@router.get("", responses=_ERRORS)
async def mine(watches: WatchesDep) -> dict[str, list[WatchOut]]:
    """Your watches, each with how many records are new since you last opened it."""
    return {"watches": await watches.mine()}


@router.post("", status_code=201, response_model=WatchOut, responses=_ERRORS)
async def create(body: WatchIn, watches: WatchesDep) -> WatchOut:
    """Watch a search: from now on, records indexed or changed that match it are new."""
    return await watches.create(body.name, body.search, body.webhook)


@router.get("/{watch_id}", response_model=WatchOut, responses=_ERRORS)
async def one(watch_id: str, watches: WatchesDep) -> WatchOut:
    return await watches.get(watch_id)


@router.post("/{watch_id}/open", response_model=Opened, responses=_ERRORS)
async def open_watch(watch_id: str, watches: WatchesDep) -> Opened:
    """The search of what is new; from now on it counts from this moment."""
    return Opened(search=await watches.open(watch_id))


@router.delete("/{watch_id}", status_code=204, responses=_ERRORS)
async def delete(watch_id: str, watches: WatchesDep) -> None:
    await watches.delete(watch_id)
