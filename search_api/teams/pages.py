"""The teams page: your teams and their members; for admins, every team with forms to
create one, add or change a member, remove a member, or delete the team."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from evidence.errors import EvidenceError
from search_api.errors import status_for
from search_api.routes.render import render, require_csrf
from search_api.teams.api import TeamsDep
from search_api.teams.models import TEAM_ROLES, team_role
from search_api.teams.service import TeamService

router = APIRouter(include_in_schema=False)
Csrf = Annotated[str, Form(max_length=128)]
Username = Annotated[str, Form(max_length=64)]


async def _page(
    request: Request, teams: TeamService, refused: str | None = None, status: int = 200
) -> HTMLResponse:
    try:
        mine = await teams.mine()
    except EvidenceError as error:
        return render(
            request, "error.html", {"error": error.message}, teams.caller, status_for(error)
        )
    context = {"teams": mine, "refused": refused, "roles": TEAM_ROLES, "json_url": "/api/teams"}
    return render(request, "teams.html", context, teams.caller, status)


async def _act(
    request: Request, teams: TeamService, csrf: str, work: Callable[[], Awaitable[Any]]
) -> Response:
    """A form's change after its CSRF check; refused, the page again with why."""
    try:
        require_csrf(request, csrf)
        await work()
    except EvidenceError as error:
        return await _page(request, teams, error.message, status_for(error))
    return RedirectResponse("/teams", status_code=303)


@router.get("/teams", response_class=HTMLResponse)
async def teams_page(request: Request, teams: TeamsDep) -> HTMLResponse:
    return await _page(request, teams)


@router.post("/teams")
async def create_form(
    request: Request,
    teams: TeamsDep,
    csrf: Csrf = "",
    team_id: Annotated[str, Form(max_length=40)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    return await _act(request, teams, csrf, lambda: teams.create(team_id.strip(), name))


@router.post("/teams/{team_id}/members")
async def member_form(
    request: Request,
    team_id: str,
    teams: TeamsDep,
    csrf: Csrf = "",
    username: Username = "",
    role: Annotated[str, Form(max_length=20)] = "viewer",
) -> Response:
    async def work() -> None:
        await teams.set_member(team_id, username.strip(), team_role(role))

    return await _act(request, teams, csrf, work)


@router.post("/teams/{team_id}/members/{username}/remove")
async def remove_form(
    request: Request, team_id: str, username: str, teams: TeamsDep, csrf: Csrf = ""
) -> Response:
    return await _act(request, teams, csrf, lambda: teams.remove_member(team_id, username))


@router.post("/teams/{team_id}/delete")
async def delete_form(request: Request, team_id: str, teams: TeamsDep, csrf: Csrf = "") -> Response:
    return await _act(request, teams, csrf, lambda: teams.delete(team_id))
