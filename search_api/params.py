"""Request models: what a caller may ask for, with bounds, before any query is built."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["MAX_PAGE_SIZE", "SearchParams"]

MAX_PAGE_SIZE = 100


class SearchParams(BaseModel):
    """Parameters of `GET /api/search` and of the search page."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    q: str = Field(default="", max_length=1000, description="Free text.")
    size: int = Field(default=20, ge=1, le=MAX_PAGE_SIZE, description="Hits per page.")
