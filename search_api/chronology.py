"""Saved chronologies: the fact model, its ordering, and storage with optimistic
concurrency.

A fact has a fuzzy date, its text, citations (stable id, page, quote, SHA-256), a
status (undisputed, disputed, unsure), whether it is material, issues, tags and a note.
Facts are ordered by earliest bound, then precision, then the lawyer's own order for
facts on the same date, then id; undated facts come last. Every write names the version
it was based on; if someone saved in between, the write is refused with a conflict, so
neither lawyer's change is silently lost. Writes wait for the next refresh rather than
forcing one, so the writer still reads what they wrote without a refresh per keystroke.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from typing import Any, Literal, NamedTuple

from elasticsearch import AsyncElasticsearch
from pydantic import BaseModel, ConfigDict, Field, field_validator

from evidence.access import AccessContext, Role
from evidence.dates import PRECISION_RANK, UNDATED_RANK, parse_fuzzy_date
from evidence.errors import Conflict, InvalidRequest, NotFound, Unauthorized
from evidence.indices import chronologies_index, ensure_plain_index
from search_api.paging import every_hit
from search_api.transport import translating

__all__ = [
    "Chronology",
    "ChronologyStore",
    "Fact",
    "FactIn",
    "Version",
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


# ASCII digits only and at most 18 of them, so the numbers fit Elasticsearch's longs.
_VERSION = re.compile(r"([0-9]{1,18})\.([0-9]{1,18})")


class Version(NamedTuple):
    """The state a chronology was read in, `seq_no.primary_term` as text: a write names
    it, and is refused if someone saved since."""

    seq_no: int
    primary_term: int

    @classmethod
    def parse(cls, text: str) -> Version:
        """The one reader of versions, so every route refuses a malformed one alike."""
        match = _VERSION.fullmatch(text)
        if match is None or int(match[2]) == 0:
            raise InvalidRequest(
                "version must be the value the chronology was read with (like 4.1); reload it."
            )
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of(cls, response: Any) -> Version:
        return cls(response["_seq_no"], response["_primary_term"])

    def __str__(self) -> str:
        return f"{self.seq_no}.{self.primary_term}"


_LIST_PAGE = 500


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
    async def create(self, access: AccessContext, title: str) -> tuple[str, Version]:
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
            refresh="wait_for",
        )
        return chronology_id, Version.of(response)

    @translating
    async def list(self, access: AccessContext) -> list[dict[str, Any]]:
        """Every chronology the caller may open, last changed first. Paged through a point
        in time, so however many there are, none is left out."""
        owner = self.require_user(access)
        await self._ensure()
        query = {"match_all": {}} if access.role is Role.ADMIN else {"term": {"owner": owner}}
        body = {
            "query": query,
            "sort": [{"updated": "desc"}],
            "_source": {"excludes": ["facts"]},
        }
        return [
            hit["_source"] | {"id": hit["_id"]}
            async for hit in every_hit(self._es, self._index, body, _LIST_PAGE)
        ]

    @translating
    async def load(
        self, access: AccessContext, chronology_id: str
    ) -> tuple[dict[str, Any], Version]:
        owner = self.require_user(access)
        await self._ensure()
        response = await self._es.options(ignore_status=404).get(
            index=self._index, id=chronology_id
        )
        source = response.body.get("_source") if response.body.get("found") else None
        if source is None or (source["owner"] != owner and access.role is not Role.ADMIN):
            raise NotFound(f"No chronology {chronology_id}.")
        return source, Version.of(response.body)

    @translating
    async def save(self, chronology_id: str, source: dict[str, Any], version: Version) -> Version:
        """Write a changed chronology if nobody saved since `version`; the new version."""
        response = await self._es.options(ignore_status=409).index(
            index=self._index,
            id=chronology_id,
            document=source | {"updated": _now()},
            if_seq_no=version.seq_no,
            if_primary_term=version.primary_term,
            refresh="wait_for",
        )
        if response.meta.status == 409:
            raise Conflict(
                "Someone else changed this chronology since you opened it. "
                "Reload it and apply your change again."
            )
        return Version.of(response.body)

    @translating
    async def delete(self, access: AccessContext, chronology_id: str, version: Version) -> None:
        await self.load(access, chronology_id)
        response = await self._es.options(ignore_status=409).delete(
            index=self._index,
            id=chronology_id,
            if_seq_no=version.seq_no,
            if_primary_term=version.primary_term,
            refresh="wait_for",
        )
        if response.meta.status == 409:
            raise Conflict("Someone else changed this chronology; reload before deleting it.")
