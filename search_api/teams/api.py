"""Teams over JSON: admins create them and set their members; members read their own."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from search_api.deps import CallerDep
from search_api.models import ErrorOut
from search_api.teams.models import TeamOut, TeamRole
from search_api.teams.service import TeamService

router = APIRouter(prefix="/api/teams", tags=["teams"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut},
    401: {"model": ErrorOut, "description": "Log in first"},
    403: {"model": ErrorOut, "description": "Admins only"},
    404: {"model": ErrorOut},
    503: {"model": ErrorOut},
}


def get_teams(request: Request, caller: CallerDep) -> TeamService:
    return TeamService(request.app.state.teams, request.app.state.users, caller)


TeamsDep = Annotated[TeamService, Depends(get_teams)]


class TeamIn(BaseModel):
    id: str = Field(max_length=40, description="Lower-case letters, digits and hyphens.")
    name: str = Field(min_length=1, max_length=200)


class MemberIn(BaseModel):
    role: TeamRole


@router.get("", responses=_ERRORS)
async def mine(teams: TeamsDep) -> dict[str, list[TeamOut]]:
    """Your teams; an admin sees every team."""
    return {"teams": await teams.mine()}


@router.post("", status_code=201, response_model=TeamOut, responses=_ERRORS)
async def create(body: TeamIn, teams: TeamsDep) -> TeamOut:
    return await teams.create(body.id, body.name)


@router.get("/{team_id}", response_model=TeamOut, responses=_ERRORS)
async def one(team_id: str, teams: TeamsDep) -> TeamOut:
    return await teams.get(team_id)


@router.put("/{team_id}/members/{username}", response_model=TeamOut, responses=_ERRORS)
async def set_member(team_id: str, username: str, body: MemberIn, teams: TeamsDep) -> TeamOut:
    """Add an account to the team, or change its role: `viewer` reads what is shared with
    the team, `editor` also changes it. Neither shows a member any record above their
    own role."""
    return await teams.set_member(team_id, username, body.role)


@router.delete("/{team_id}/members/{username}", response_model=TeamOut, responses=_ERRORS)
async def remove_member(team_id: str, username: str, teams: TeamsDep) -> TeamOut:
    return await teams.remove_member(team_id, username)


@router.delete("/{team_id}", status_code=204, responses=_ERRORS)
async def delete(team_id: str, teams: TeamsDep) -> Response:
    """Delete a team; what was shared with it is then its owners' alone again."""
    await teams.delete(team_id)
    return Response(status_code=204)
