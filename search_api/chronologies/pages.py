"""The timeline view and the chronology editor, as pages that work without JavaScript.

The timeline page shows search's timeline (`search_api.service.timeline`, the data of
`/api/timeline`) with a checkbox on each event and one form that adds the ticked ones
to one of the caller's chronologies (`collect.py`), marking those already added; that
form is why it lives here: chronologies call search, never the other way round.

Every form posts with a CSRF token; editor forms also carry the version they were
based on, so a conflicting edit is refused with a message instead of lost. A refused
form comes back on its page with the reason next to it and what was typed still in it:
a typing mistake costs a correction, not the whole fact.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, ValidationError

from evidence.errors import N_, EvidenceError, InvalidRequest
from search_api import service
from search_api.chronologies.api import ChronologiesDep
from search_api.chronologies.collect import collect_context
from search_api.chronologies.models import MANAGES, Fact, FactIn, Version, same_day
from search_api.chronologies.service import ChronologyService
from search_api.deps import CallerDep, EncoderDep, SettingsDep, StoreDep
from search_api.errors import problems, status_for
from search_api.paging import ChainsDep
from search_api.params import TimelineParams
from search_api.routes.language import local_path
from search_api.routes.render import render, require_csrf
from search_api.teams.models import team_role
from search_api.timeline import by_year_and_month
from search_api.urls import query_string

router = APIRouter(include_in_schema=False)
# Form fields default to empty instead of being required, so an empty one is refused
# on the page rather than by FastAPI's JSON answer.
Csrf = Annotated[str, Form(max_length=128)]
VersionText = Annotated[str, Form(max_length=40)]
Title = Annotated[str, Form(max_length=300)]


def _back(chronology_id: str) -> RedirectResponse:
    return RedirectResponse(f"/chronologies/{chronology_id}", status_code=303)


def _labels(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]


# The editor's label for each FactIn field, so a refusal names what the lawyer sees.
_FIELD_LABELS = {
    "date": N_("Date"),
    "text": N_("Fact"),
    "stable_id": N_("Cite"),
    "page": N_("Page"),
    "status": N_("Status"),
    "material": N_("Material"),
    "issues": N_("Issues"),
    "note": N_("Note"),
}


class FactForm(BaseModel):
    """The fact form as typed. Kept as text, so a refused form shows it back unchanged;
    `fact_id` is set when it edits a fact. The text has no bound of its own: a browser
    counts a line break as one character and sends two, so FactIn's bound applies and
    an overlong text is refused on the page like any other mistake."""

    fact_id: str = Field(default="", max_length=40)
    date: str = Field(default="", max_length=40)
    text: str = ""
    cite: str = Field(default="", max_length=64)
    page: str = Field(default="", max_length=8)
    status: str = Field(default="unsure", max_length=20)
    material: str = Field(default="unsure", max_length=20)
    issues: str = Field(default="", max_length=1000)
    note: str = Field(default="", max_length=5000)

    @classmethod
    def of(cls, fact: Fact) -> FactForm:
        """A saved fact as its edit form shows it: the first citation only."""
        first = fact.citations[0] if fact.citations else None
        return cls(
            fact_id=fact.fact_id,
            date=_as_typed(fact.date),
            text=fact.text,
            cite=first.stable_id if first else "",
            page=str(first.page) if first and first.page else "",
            status=fact.status,
            material=fact.material,
            issues="; ".join(fact.issues),
            note=fact.note or "",
        )

    def fact(self) -> FactIn:
        """The fact written in this form; InvalidRequest naming each field that is wrong."""
        cited = self.cite.strip() or self.page.strip()
        citation = {"stable_id": self.cite.strip(), "page": self.page.strip() or None}
        try:
            return FactIn.model_validate(
                {
                    "date": self.date or None,
                    "text": self.text,
                    "status": self.status,
                    "material": self.material,
                    "citations": [citation] if cited else [],
                    "issues": _labels(self.issues),
                    "note": self.note or None,
                }
            )
        except ValidationError as error:
            raise InvalidRequest(problems(error.errors(), _FIELD_LABELS, form=True)) from None


def _as_typed(date: str | None) -> str:
    """A stored date as a person types it: `circa:2012` -> `circa 2012`."""
    if date and date.lower().startswith("circa:"):
        return "circa " + date[len("circa:") :]
    return date or ""


def movable(facts: list[Fact]) -> dict[str, tuple[bool, bool]]:
    """Whether each fact (in order) may move up and down: only past a fact on the same
    date, since facts are ordered by date; the editor shows only those arrows."""
    pairs = list(pairwise(facts))
    up = {b.fact_id for a, b in pairs if same_day(a, b)}
    down = {a.fact_id for a, b in pairs if same_day(a, b)}
    return {f.fact_id: (f.fact_id in up, f.fact_id in down) for f in facts}


@dataclass(frozen=True)
class Failure:
    """A refused form: which one (the template's name for it), why, and the status."""

    form: str
    message: str
    status: int

    @classmethod
    def of(cls, form: str, error: EvidenceError) -> Failure:
        return cls(form, str(error), status_for(error))


@router.get("/timeline", response_class=HTMLResponse)
async def timeline_page(
    request: Request,
    params: Annotated[TimelineParams, Query()],
    store: StoreDep,
    caller: CallerDep,
    settings: SettingsDep,
    chains: ChainsDep,
    encoder: EncoderDep,
) -> HTMLResponse:
    context = {"params": params, "json_url": "/api/timeline" + query_string(params)}
    try:
        result = await service.timeline(
            store, params, caller, settings.secret_key.get_secret_value(), chains, encoder
        )
        context |= await collect_context(request, caller)
    except EvidenceError as error:
        return render(
            request, "timeline.html", context | {"error": str(error)}, caller, status_for(error)
        )
    context |= {
        "result": result,
        "years": by_year_and_month(result.entries),
        "first_page": query_string(params, cursor=None),
    }
    return render(request, "timeline.html", context, caller)


async def _list_page(
    request: Request,
    chronologies: ChronologyService,
    failure: Failure | None = None,
    title: str = "",
) -> HTMLResponse:
    """The caller's chronologies and those shared with their teams; after a refused
    create, with why and the title kept."""
    caller = chronologies.caller
    try:
        mine = await chronologies.readable()
    except EvidenceError as error:
        return render(request, "error.html", {"error": str(error)}, caller, status_for(error))
    context = {"mine": mine, "failure": failure, "title": title}
    return render(request, "chronologies.html", context, caller, failure.status if failure else 200)


@router.get("/chronologies", response_class=HTMLResponse)
async def chronologies_page(request: Request, chronologies: ChronologiesDep) -> HTMLResponse:
    return await _list_page(request, chronologies)


async def _editor_page(
    request: Request,
    chronologies: ChronologyService,
    chronology_id: str,
    failure: Failure | None = None,
    typed: FactForm | None = None,
    title: str | None = None,
) -> HTMLResponse:
    """The editor; after a refusal, with its reason by the form and the typed input kept."""
    caller = chronologies.caller
    try:
        chronology = await chronologies.open(chronology_id)
    except EvidenceError as error:
        return render(request, "error.html", {"error": str(error)}, caller, status_for(error))
    edits = {fact.fact_id: FactForm.of(fact) for fact in chronology.facts}
    adding = FactForm()
    if typed is not None and typed.fact_id in edits:
        edits[typed.fact_id] = typed
    elif typed is not None:
        # A new fact, or an edit of a fact deleted meanwhile: offered as a new one.
        adding = typed.model_copy(update={"fact_id": ""})
        failure = replace(failure, form="fact") if failure else None
    try:
        teams = await chronologies.share_targets() if chronology.right in MANAGES else []
    except EvidenceError as error:
        return render(request, "error.html", {"error": str(error)}, caller, status_for(error))
    context = {
        "chronology": chronology,
        "teams": teams,
        "failure": failure,
        "title": chronology.title if title is None else title,
        "edits": edits,
        "adding": adding,
        "moves": movable(chronology.facts),
        "can_see_originals": caller.access.sees_protected_fields,
    }
    return render(request, "chronology.html", context, caller, failure.status if failure else 200)


@router.get("/chronologies/{chronology_id}", response_class=HTMLResponse)
async def editor(
    request: Request, chronology_id: str, chronologies: ChronologiesDep
) -> HTMLResponse:
    return await _editor_page(request, chronologies, chronology_id)


async def _edit(
    request: Request,
    chronologies: ChronologyService,
    chronology_id: str,
    csrf: str,
    form: str,
    work: Callable[[], Awaitable[Response]],
    typed: FactForm | None = None,
    title: str | None = None,
) -> Response:
    """Check the CSRF token and run an editor form's change; if it is refused, the editor
    again with the reason next to `form` and the typed input kept."""
    try:
        require_csrf(request, csrf)
        return await work()
    except EvidenceError as error:
        failure = Failure.of(form, error)
        return await _editor_page(request, chronologies, chronology_id, failure, typed, title)


@router.post("/chronologies")
async def create_form(
    request: Request, chronologies: ChronologiesDep, csrf: Csrf = "", title: Title = ""
) -> Response:
    try:
        require_csrf(request, csrf)
        return _back(await chronologies.create(title))
    except EvidenceError as error:
        return await _list_page(request, chronologies, Failure.of("create", error), title)


@router.post("/chronologies/collect")
async def collect_form(
    request: Request,
    chronologies: ChronologiesDep,
    csrf: Csrf = "",
    chronology_id: Annotated[str, Form(max_length=40)] = "",
    title: Title = "",
    event_id: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
    record_id: Annotated[list[str], Form()] = [],  # noqa: B006
    next_page: Annotated[str, Form(alias="next", max_length=2000)] = "",
) -> Response:
    """ "Add selected to chronology…" from the timeline, search or a record page: into
    the chosen chronology, or a new one when a title is typed instead; then back to the
    page it came from. Adding re-reads the current version, so nothing is overwritten.
    Nothing here is typed but the title, so a refusal is a page of its own."""
    try:
        require_csrf(request, csrf)
        if not event_id and not record_id:  # checked before a new chronology is made
            raise InvalidRequest(N_("Select at least one event or record to add."))
        if title.strip() and not chronology_id:
            chronology_id = await chronologies.create(title)
            try:
                await chronologies.collect(chronology_id, event_id, record_id)
            except EvidenceError:  # a refused add leaves no empty chronology behind
                await chronologies.delete(
                    chronology_id, await chronologies.current_version(chronology_id)
                )
                raise
        elif chronology_id:
            await chronologies.collect(chronology_id, event_id, record_id)
        else:
            raise InvalidRequest(N_("Choose a chronology, or type a title for a new one."))
    except EvidenceError as error:
        caller = chronologies.caller
        return render(request, "error.html", {"error": str(error)}, caller, status_for(error))
    return RedirectResponse(local_path(next_page or f"/chronologies/{chronology_id}"), 303)


@router.post("/chronologies/{chronology_id}/rename")
async def rename_form(
    request: Request,
    chronology_id: str,
    chronologies: ChronologiesDep,
    csrf: Csrf = "",
    version: VersionText = "",
    title: Title = "",
) -> Response:
    async def work() -> Response:
        await chronologies.rename(chronology_id, Version.parse(version), title)
        return _back(chronology_id)

    return await _edit(request, chronologies, chronology_id, csrf, "rename", work, title=title)


@router.post("/chronologies/{chronology_id}/delete")
async def delete_form(
    request: Request,
    chronology_id: str,
    chronologies: ChronologiesDep,
    csrf: Csrf = "",
    version: VersionText = "",
) -> Response:
    async def work() -> Response:
        await chronologies.delete(chronology_id, Version.parse(version))
        return RedirectResponse("/chronologies", status_code=303)

    return await _edit(request, chronologies, chronology_id, csrf, "delete", work)


@router.post("/chronologies/{chronology_id}/facts")
async def fact_form(
    request: Request,
    chronology_id: str,
    chronologies: ChronologiesDep,
    typed: Annotated[FactForm, Form()],
    csrf: Csrf = "",
    version: VersionText = "",
) -> Response:
    """Add a fact, or edit one when `fact_id` is given."""

    async def work() -> Response:
        based_on, fact = Version.parse(version), typed.fact()
        if typed.fact_id:
            await chronologies.update_fact(chronology_id, based_on, typed.fact_id, fact)
        else:
            await chronologies.add_fact(chronology_id, based_on, fact)
        return _back(chronology_id)

    form = f"fact:{typed.fact_id}" if typed.fact_id else "fact"
    return await _edit(request, chronologies, chronology_id, csrf, form, work, typed)


@router.post("/chronologies/{chronology_id}/facts/{fact_id}/{action}")
async def fact_action_form(
    request: Request,
    chronology_id: str,
    fact_id: str,
    action: Literal["up", "down", "delete"],
    chronologies: ChronologiesDep,
    csrf: Csrf = "",
    version: VersionText = "",
) -> Response:
    async def work() -> Response:
        based_on = Version.parse(version)
        if action == "delete":
            await chronologies.delete_fact(chronology_id, based_on, fact_id)
        else:
            await chronologies.move_fact(chronology_id, based_on, fact_id, action)
        return _back(chronology_id)

    form = f"{action}:{fact_id}"
    return await _edit(request, chronologies, chronology_id, csrf, form, work)


@router.post("/chronologies/{chronology_id}/comments")
async def comment_form(
    request: Request,
    chronology_id: str,
    chronologies: ChronologiesDep,
    csrf: Csrf = "",
    fact_id: Annotated[str, Form(max_length=40)] = "",
    text: Annotated[str, Form(max_length=6000)] = "",
) -> Response:
    async def work() -> Response:
        await chronologies.comment(chronology_id, fact_id, text)
        return RedirectResponse(f"/chronologies/{chronology_id}#fact-{fact_id}", 303)

    return await _edit(request, chronologies, chronology_id, csrf, f"comment:{fact_id}", work)


@router.post("/chronologies/{chronology_id}/share")
async def share_form(
    request: Request,
    chronology_id: str,
    chronologies: ChronologiesDep,
    csrf: Csrf = "",
    team: Annotated[str, Form(max_length=40)] = "",
    role: Annotated[str, Form(max_length=20)] = "viewer",
) -> Response:
    """Share with a team as viewer or editor, or stop sharing (`role` none)."""

    async def work() -> Response:
        await chronologies.share(chronology_id, team, None if role == "none" else team_role(role))
        return _back(chronology_id)

    return await _edit(request, chronologies, chronology_id, csrf, "share", work)


@router.post("/chronologies/{chronology_id}/exhibits")
async def exhibits_form(
    request: Request,
    chronology_id: str,
    chronologies: ChronologiesDep,
    csrf: Csrf = "",
    action: Annotated[Literal["prefix", "renumber"], Form()] = "prefix",
    prefix: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Set the exhibit prefix, or renumber the exhibits (owners and admins)."""

    async def work() -> Response:
        if action == "renumber":
            await chronologies.renumber(chronology_id)
        else:
            await chronologies.set_prefix(chronology_id, prefix)
        return RedirectResponse(f"/chronologies/{chronology_id}#exhibits", 303)

    return await _edit(request, chronologies, chronology_id, csrf, "exhibits", work)


async def _history_page(
    request: Request,
    chronologies: ChronologyService,
    chronology_id: str,
    fact: str | None,
    refused: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    caller = chronologies.caller
    try:
        chronology = await chronologies.open(chronology_id)
        entries = await chronologies.history(chronology_id, fact)
    except EvidenceError as error:
        return render(request, "error.html", {"error": str(error)}, caller, status_for(error))
    json_url = f"/api/chronologies/{chronology_id}/history" + _fact_query(fact)
    context = {
        "chronology": chronology,
        "entries": entries,
        "fact": fact,
        "refused": refused,
        "json_url": json_url,
    }
    return render(request, "chronology_history.html", context, caller, status)


def _fact_query(fact: str | None) -> str:
    return "?" + urlencode({"fact": fact}) if fact else ""


@router.get("/chronologies/{chronology_id}/history", response_class=HTMLResponse)
async def history_page(
    request: Request,
    chronology_id: str,
    chronologies: ChronologiesDep,
    fact: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    return await _history_page(request, chronologies, chronology_id, fact)


@router.post("/chronologies/{chronology_id}/history/{entry_id}/restore")
async def restore_form(
    request: Request,
    chronology_id: str,
    entry_id: str,
    chronologies: ChronologiesDep,
    csrf: Csrf = "",
    version: VersionText = "",
) -> Response:
    try:
        require_csrf(request, csrf)
        await chronologies.restore(chronology_id, Version.parse(version), entry_id)
    except EvidenceError as error:
        return await _history_page(
            request, chronologies, chronology_id, None, str(error), status_for(error)
        )
    return _back(chronology_id)
