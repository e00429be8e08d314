"""Notes and tags as written and as shown, and the caller's tags as search uses them."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from evidence.access import Level

__all__ = ["MAX_TAGGED", "AnnotationOut", "BulkTagIn", "NoteIn", "TagIn", "level_of"]

# How many tag annotations one caller's search reads; past it, the oldest are left out.
MAX_TAGGED = 10_000
LevelName = Literal["public", "restricted", "confidential", "sealed"]
_SPACES = re.compile(r"\s+")


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=5000)
    team: str | None = Field(default=None, max_length=40, description="Share with this team.")
    level: LevelName | None = Field(
        default=None, description="Raise it above the record's level; never below it."
    )
    protected: bool = Field(
        default=False, description="Holds protected content: investigators and above only."
    )


class TagIn(BaseModel):
    tag: str = Field(min_length=1, max_length=60)
    team: str | None = Field(default=None, max_length=40)

    @field_validator("tag")
    @classmethod
    def _words(cls, value: str) -> str:
        cleaned = _SPACES.sub(" ", value).strip()
        if not cleaned or any(unicodedata.category(c).startswith("C") for c in cleaned):
            raise ValueError("A tag is a word or a few, without control characters.")
        return cleaned


class BulkTagIn(TagIn):
    record_ids: list[str] = Field(min_length=1, max_length=200)


class AnnotationOut(BaseModel):
    id: str
    kind: Literal["note", "tag"]
    record_id: str
    author: str
    team: str | None
    level: LevelName
    protected: bool
    text: str | None = None
    tag: str | None = None
    created: str


def level_of(record_level: str, wanted: str | None) -> Level:
    """The higher of the record's level and the one asked for."""
    level = Level.parse(record_level)
    return max(level, Level.parse(wanted)) if wanted else level
