"""Typed dependencies: settings -> store -> caller. Tests override `get_settings`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from evidence.access import PUBLIC_ACCESS, AccessContext
from evidence.settings import Settings
from search_api.store import Store

__all__ = ["AccessDep", "SettingsDep", "StoreDep"]


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_store(request: Request) -> Store:
    return request.app.state.store


def get_access() -> AccessContext:
    """Everyone is the public role until authentication lands (issue 5)."""
    return PUBLIC_ACCESS


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
AccessDep = Annotated[AccessContext, Depends(get_access)]
