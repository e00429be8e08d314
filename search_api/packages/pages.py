"""The "Court package" button of the chronology page: a form post (with the CSRF token,
so no link from elsewhere can make a package in a reader's name) answered with the zip,
or with a page saying why not."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from evidence.errors import EvidenceError
from search_api.errors import status_for
from search_api.packages.api import PackagesDep, package_response
from search_api.routes.render import render, require_csrf

router = APIRouter(include_in_schema=False)


@router.post("/chronologies/{chronology_id}/package")
async def package_form(
    request: Request,
    chronology_id: str,
    packages: PackagesDep,
    csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    caller = packages.chronologies.caller
    try:
        require_csrf(request, csrf)
        return await package_response(request, packages, chronology_id)
    except EvidenceError as error:
        return render(request, "error.html", {"error": str(error)}, caller, status_for(error))
