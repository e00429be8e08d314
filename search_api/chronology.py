"""Saved chronologies: the fact model, its ordering, and storage with optimistic
concurrency.

A fact has a fuzzy date, its text, citations (stable id, page, quote, SHA-256), a
status (undisputed, disputed, unsure), whether it is material, issues, tags and a note.
Facts are ordered by earliest bound, then precision, then the lawyer's own order for
facts on the same date, then id; undated facts come last. Every write names the version
it was based on; if someone saved in between, the write is refused with a conflict, so
neither lawyer's change is silently lost.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any, Literal

from elasticsearch import AsyncElasticsearch
from pydantic import BaseModel, ConfigDict, Field, field_validator

from evidence.access import AccessContext, Role
from evidence.dates import PRECISION_RANK, UNDATED_RANK, parse_fuzzy_date
from evidence.errors import Conflict, InvalidRequest, NotFound, Unauthorized
from evidence.indices import chronologies_index, ensure_plain_index
from search_api.transport import translating

__all__ = [
    "Chronology",
    "ChronologyStore",
    "Fact",
    "FactIn",
    "ordered",
]

Status = Literal["undisputed", "disputed", "unsure"]
Material = Literal["yes", "no", "unsure"]
Labels = list[str]


class CitationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stable_id: str = Field(min_length=3, max_length=64)
    page: int | None = Field(default=None, ge=1)
    quote: str | None = Field(default=None, max_length=2000)


class Citation(CitationIn):
    """A citation as stored: the hash and title are taken from the record, not the user."""

    sha256: str | None = None
    title: str | None = None


class FactIn(BaseModel):
    """A fact as a lawyer writes it."""

    model_config = ConfigDict(extra="forbid")

    date: str | None = Field(default=None, description="Fuzzy date; empty for undated.")
    text: str = Field(min_length=1, max_length=5000)
    citations: list[CitationIn] = Field(default=[], max_length=50)
    status: Status = "unsure"
    material: Material = "unsure"
    issues: Labels = Field(default=[], max_length=30)
    tags: Labels = Field(default=[], max_length=30)
    note: str | None = Field(default=None, max_length=5000)

    @field_validator("date")
    @classmethod
    def _fuzzy(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parse_fuzzy_date(value)
        return value.strip()


class Fact(FactIn):
    fact_id: str
    order: int = 0
    citations: list[Citation] = []  # type: ignore[assignment]
    earliest: str | None = None
    latest: str | None = None
    precision: str | None = None
    approximate: bool = False


class Chronology(BaseModel):
    id: str
    title: str
    owner: str
    created: str
    updated: str
    version: str = Field(description="Send it back with every change.")
    facts: list[Fact]
    hidden_facts: int = Field(default=0, description="Facts citing records you cannot see.")


def dated(fact_in: FactIn, fact_id: str, order: int, citations: list[Citation]) -> Fact:
    """A stored fact with its date bounds worked out."""
    when = parse_fuzzy_date(fact_in.date)
    return Fact(
        **fact_in.model_dump(exclude={"citations"}),
        fact_id=fact_id,
        order=order,
        citations=citations,
        earliest=when.earliest.isoformat() if when else None,
        latest=when.latest.isoformat() if when else None,
        precision=when.precision.value if when else None,
        approximate=when.approximate if when else False,
    )


def _sort_key(fact: Fact) -> tuple[Any, ...]:
    rank = PRECISION_RANK.get(fact.precision, UNDATED_RANK) if fact.precision else UNDATED_RANK  # type: ignore[call-overload]
    return (fact.earliest is None, fact.earliest or "", rank, fact.order, fact.fact_id)


def ordered(facts: list[Fact]) -> list[Fact]:
    """Chronological order; undated facts last, never dropped."""
    return sorted(facts, key=_sort_key)


def same_day(a: Fact, b: Fact) -> bool:
    return (a.earliest, a.precision) == (b.earliest, b.precision)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _version(response: Any) -> str:
    return f"{response['_seq_no']}.{response['_primary_term']}"


class ChronologyStore:
    """Chronologies belong to their owner; admins may open any. Others get 404."""

    def __init__(self, es: AsyncElasticsearch, prefix: str) -> None:
        self._es = es
        self._index = chronologies_index(prefix)

    @staticmethod
    def require_user(access: AccessContext) -> str:
        if access.user is None:
            raise Unauthorized("Log in to keep chronologies.")
        return access.user

    @translating
    async def _ensure(self) -> None:
        await ensure_plain_index(self._es, self._index, "chronologies")

    @translating
    async def create(self, access: AccessContext, title: str) -> tuple[str, str]:
        owner = self.require_user(access)
        await self._ensure()
        chronology_id = "ch-" + secrets.token_hex(8)
        document = {
            "title": title,
            "owner": owner,
            "created": _now(),
            "updated": _now(),
            "facts": [],
        }
        response = await self._es.index(
            index=self._index,
            id=chronology_id,
            document=document,
            op_type="create",
            refresh=True,
        )
        return chronology_id, _version(response)

    @translating
    async def list(self, access: AccessContext) -> list[dict[str, Any]]:
        owner = self.require_user(access)
        await self._ensure()
        query = {"match_all": {}} if access.role is Role.ADMIN else {"term": {"owner": owner}}
        response = await self._es.search(
            index=self._index,
            query=query,
            size=500,
            sort=[{"updated": "desc"}],
            source_excludes=["facts"],
        )
        return [hit["_source"] | {"id": hit["_id"]} for hit in response["hits"]["hits"]]

    @translating
    async def load(self, access: AccessContext, chronology_id: str) -> tuple[dict[str, Any], str]:
        owner = self.require_user(access)
        await self._ensure()
        response = await self._es.options(ignore_status=404).get(
            index=self._index, id=chronology_id
        )
        source = response.body.get("_source") if response.body.get("found") else None
        if source is None or (source["owner"] != owner and access.role is not Role.ADMIN):
            raise NotFound(f"No chronology {chronology_id}.")
        return source, _version(response.body)

    @translating
    async def save(self, chronology_id: str, source: dict[str, Any], version: str) -> str:
        """Write a changed chronology if nobody saved since `version`; the new version."""
        try:
            seq_no, primary_term = (int(part) for part in version.split("."))
        except ValueError as error:
            raise InvalidRequest(
                "version must be the value the chronology was read with"
            ) from error
        response = await self._es.options(ignore_status=409).index(
            index=self._index,
            id=chronology_id,
            document=source | {"updated": _now()},
            if_seq_no=seq_no,
            if_primary_term=primary_term,
            refresh=True,
        )
        if response.meta.status == 409:
            raise Conflict(
                "Someone else changed this chronology since you opened it. "
                "Reload it and apply your change again."
            )
        return _version(response.body)

    @translating
    async def delete(self, access: AccessContext, chronology_id: str, version: str) -> None:
        await self.load(access, chronology_id)
        seq_no, primary_term = (int(part) for part in version.split("."))
        response = await self._es.options(ignore_status=409).delete(
            index=self._index,
            id=chronology_id,
            if_seq_no=seq_no,
            if_primary_term=primary_term,
            refresh=True,
        )
        if response.meta.status == 409:
            raise Conflict("Someone else changed this chronology; reload before deleting it.")
