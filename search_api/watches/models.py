"""The watched-search JSON contract."""

from __future__ import annotations

from pydantic import BaseModel, Field

__all__ = ["WatchOut"]


class WatchOut(BaseModel):
    id: str
    name: str
    search: str = Field(description="The watched search, by words.")
    new: int = Field(description="Records indexed or changed since you last opened it.")
    new_search: str = Field(description="The search of only those records.")
    seen: str = Field(description="When you last opened it.")
    webhook: bool = Field(description="Whether it posts to a webhook when new records match.")
