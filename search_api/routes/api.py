"""JSON routes: thin, each one parses, calls the service, returns its model."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse, StreamingResponse

from evidence.spreadsheet import formula_safe_row
from search_api import media, record_service, service
from search_api.deps import CallerDep, EncoderDep, SettingsDep, StoreDep, tags_for
from search_api.exports import export_disposition
from search_api.models import ErrorOut, ExportRow, RecordOut, SearchResponse, TimelineResponse
from search_api.paging import ChainsDep
from search_api.params import ExportParams, SearchParams, TimelineParams

router = APIRouter(tags=["evidence"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "Invalid parameters"},
    401: {"model": ErrorOut, "description": "Invalid or revoked token"},
    503: {"model": ErrorOut, "description": "Elasticsearch unavailable"},
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "No such record"}
}
_GRAPHIC: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorOut, "description": "Graphic: reveal it from its record page first"}
}


@router.get("/api/search", response_model=SearchResponse, responses=_ERRORS)
async def search(
    request: Request,
    params: Annotated[SearchParams, Query()],
    store: StoreDep,
    caller: CallerDep,
    settings: SettingsDep,
    chains: ChainsDep,
    encoder: EncoderDep,
) -> SearchResponse:
    """Search every collection the caller may see, with facets, a date histogram and a cursor."""
    secret = settings.secret_key.get_secret_value()
    tagged = await tags_for(request, caller, params.tag, params.cursor is None)
    return await service.search(store, params, caller, secret, chains, encoder, tagged)


@router.get("/api/records/{stable_id}", response_model=RecordOut, responses=_ERRORS | _NOT_FOUND)
async def get_record(stable_id: str, store: StoreDep, caller: CallerDep) -> RecordOut:
    """One record with its links: what it cites, what cites it, the same body, near-duplicates."""
    return await record_service.record(store, stable_id, caller)


async def _started(rows: AsyncIterator[ExportRow]) -> AsyncIterator[ExportRow]:
    """Fetch the first row before the response starts, so a failure is still a 503."""
    first = await anext(rows, None)

    async def chained() -> AsyncIterator[ExportRow]:
        if first is not None:
            yield first
            async for row in rows:
                yield row

    return chained()


async def _csv(rows: AsyncIterator[ExportRow]) -> AsyncIterator[str]:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.DictWriter(buffer, fieldnames=list(ExportRow.model_fields))
    writer.writeheader()
    async for row in rows:
        writer.writerow(formula_safe_row(row.model_dump()))
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


async def _ndjson(rows: AsyncIterator[ExportRow]) -> AsyncIterator[str]:
    async for row in rows:
        yield json.dumps(row.model_dump(), ensure_ascii=False) + "\n"


_EXPORT_FORMATS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Every matching record, one row each, streamed.",
        "content": {"text/csv": {}, "application/x-ndjson": {}},
    }
}


@router.get("/api/export", responses=_ERRORS | _EXPORT_FORMATS)
async def export(
    request: Request,
    params: Annotated[ExportParams, Query()],
    store: StoreDep,
    caller: CallerDep,
    encoder: EncoderDep,
) -> StreamingResponse:
    """Every matching record, streamed in constant memory: no 10,000 ceiling. The CSV
    starts with a UTF-8 byte-order mark, so spreadsheet programs read Arabic right; its
    column names stay English, for the programs that read it."""
    base = request.app.state.settings.public_url or str(request.base_url)
    tagged = await tags_for(request, caller, params.tag, aggregating=False)
    rows = await _started(service.export_rows(store, params, caller, base, encoder, tagged))
    csv_format = params.format == "csv"
    media = "text/csv" if csv_format else "application/x-ndjson"
    body = _csv(rows) if csv_format else _ndjson(rows)
    headers = {"Content-Disposition": export_disposition(params.q, params.format)}
    return StreamingResponse(body, media_type=f"{media}; charset=utf-8", headers=headers)


@router.get("/media/{stable_id}/preview", responses=_NOT_FOUND, response_class=Response)
async def media_preview(
    stable_id: str, store: StoreDep, caller: CallerDep, settings: SettingsDep
) -> Response:
    """A small preview; graphic photos come greyscale and blurred."""
    jpeg = await media.preview(store, settings.originals_dir, stable_id, caller)
    headers = {"Cache-Control": "private, no-store"}
    return Response(jpeg, media_type="image/jpeg", headers=headers)


@router.get(
    "/media/{stable_id}/original", responses=_NOT_FOUND | _GRAPHIC, response_class=FileResponse
)
async def media_original(
    request: Request,
    stable_id: str,
    store: StoreDep,
    caller: CallerDep,
    settings: SettingsDep,
    ticket: Annotated[str | None, Query(max_length=200)] = None,
) -> FileResponse:
    """The original file, byte for byte, for a deliberate reveal: a browser needs the
    `ticket` of the record page's "Show image" for a graphic photo (else a 403)."""
    reveal_pass = media.pass_for(request, caller, ticket)
    found = await media.original(store, settings.originals_dir, stable_id, caller, reveal_pass)
    headers = {"Cache-Control": "private, no-store"}
    return FileResponse(found.path, media_type=found.media_type, headers=headers)


@router.get("/api/timeline", response_model=TimelineResponse, responses=_ERRORS)
async def timeline(
    params: Annotated[TimelineParams, Query()],
    store: StoreDep,
    caller: CallerDep,
    settings: SettingsDep,
    chains: ChainsDep,
    encoder: EncoderDep,
) -> TimelineResponse:
    """Dated events in order (fuzzy dates, undated last), frames of a body grouped."""
    secret = settings.secret_key.get_secret_value()
    return await service.timeline(store, params, caller, secret, chains, encoder)
