"""Validated input records, one model per record type, as the ingest format defines them.

Pydantic does the checking so that every problem comes back with the field it belongs
to. CSV cells arrive as strings and JSON/YAML values as their own types; the models
accept both. Facility names resolve through the gazetteer here, so an unknown one is
rejected with the closest known ids.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from evidence.access import Level
from evidence.dates import FuzzyDate, parse_fuzzy_date
from evidence.gazetteer import load_gazetteer

__all__ = [
    "DocType",
    "FilingIn",
    "PersonRole",
    "PhotoIn",
    "RecordIn",
    "TestimonyIn",
    "ValidationError",
    "known_fields",
]


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value.strip() if isinstance(value, str) else value


def _as_list(value: Any) -> Any:
    """`a;b` in a CSV cell, a YAML/JSON list, or nothing."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return value


# Records describe what already happened: a date after today, or before the archives'
# century, is a typo (2103 for 2013, 1012 for 2012), not evidence.
EARLIEST_YEAR = 1900


def _date(value: Any) -> FuzzyDate | None:
    if value is None or isinstance(value, FuzzyDate):
        return value
    parsed = parse_fuzzy_date(str(value))
    if parsed is None:
        return None
    if parsed.earliest > date.today():
        raise ValueError(f"{value!r} is in the future")
    if parsed.earliest.year < EARLIEST_YEAR:
        raise ValueError(f"{value!r} is before {EARLIEST_YEAR}")
    return parsed


def _level(value: Any) -> Level | None:
    return None if value is None else Level.parse(str(value))


def _facility(value: Any) -> str | None:
    if value is None:
        return None
    gazetteer = load_gazetteer()
    facility = gazetteer.resolve(str(value))
    if facility is None:
        closest = ", ".join(gazetteer.suggest(str(value))) or "none"
        raise ValueError(f"unknown facility {value!r}; closest known: {closest}")
    return facility.id


def _text(value: Any) -> Any:
    """Numbers written unquoted in YAML or JSON (`branch_no: 215`) are still text."""
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


Text = Annotated[str | None, BeforeValidator(_blank_to_none), BeforeValidator(_text)]


def _required(value: Any) -> str:
    text = "" if value is None else str(_text(value)).strip()
    if not text:
        raise ValueError("required")
    return text


Required = Annotated[str, BeforeValidator(_required)]
Date = Annotated[FuzzyDate | None, BeforeValidator(_date), BeforeValidator(_blank_to_none)]
Confidentiality = Annotated[Level | None, BeforeValidator(_level), BeforeValidator(_blank_to_none)]
FacilityId = Annotated[str | None, BeforeValidator(_facility), BeforeValidator(_blank_to_none)]
ResolvedFacilities = Annotated[
    list[Annotated[str, BeforeValidator(_facility)]], BeforeValidator(_as_list)
]
TextList = Annotated[list[Annotated[str, BeforeValidator(_text)]], BeforeValidator(_as_list)]
Flag = Annotated[bool | None, BeforeValidator(_blank_to_none)]


DocType = Literal[
    "complaint",
    "arrest_warrant",
    "indictment",
    "order",
    "judgment",
    "appeal",
    "submission",
    "other",
]
PersonRole = Literal["victim", "witness", "alleged_perpetrator", "family", "other"]


class _Record(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, arbitrary_types_allowed=True)

    confidentiality: Confidentiality = None

    @property
    def local_id(self) -> str:
        """The record's id within its collection; each type names it differently."""
        raise NotImplementedError


class PhotoIn(_Record):
    photo_id: Required
    file: Text = None
    body_id: Text = None
    detainee_no: Text = None
    branch_no: Text = None
    report_no: Text = None
    facility: FacilityId = None
    date_photographed: Date = None
    category: Annotated[
        Literal["death_in_custody", "other"] | None, BeforeValidator(_blank_to_none)
    ] = None
    identification: Annotated[
        Literal["unidentified", "family_recognised", "forensically_confirmed"] | None,
        BeforeValidator(_blank_to_none),
    ] = None
    victim_name: Text = None
    victim_aliases: TextList = []
    findings: Text = None
    tags: TextList = []
    graphic: Flag = None

    @property
    def local_id(self) -> str:
        return self.photo_id


class PersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Required
    role: PersonRole
    aliases: TextList = []


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    date: Date = None
    description: Required
    facility: FacilityId = None
    persons: TextList = []


class _Document(_Record):
    language: Annotated[
        str | None, BeforeValidator(_blank_to_none), Field(pattern=r"^[a-z]{2}$")
    ] = None


class TestimonyIn(_Document):
    testimony_id: Required
    witness_pseudonym: Required
    witness_name: Text = None
    witness_aliases: TextList = []
    witness_contact: Text = None
    interview_date: Date = None
    interview_place: Text = None
    protected_place: Flag = None
    interviewer_org: Text = None
    consent: list[Literal["court", "publication", "research"]] = []
    facilities: ResolvedFacilities = []
    persons: list[PersonIn] = []
    events: list[EventIn] = []

    @property
    def local_id(self) -> str:
        return self.testimony_id


class FilingIn(_Document):
    filing_id: Required
    court: Required
    jurisdiction: Text = None
    case_no: Text = None
    doc_type: DocType
    title: Text = None
    date_filed: Date = None
    date_issued: Date = None
    defendants: TextList = []
    charges: TextList = []
    outcome: Text = None
    cites: TextList = []

    @property
    def local_id(self) -> str:
        return self.filing_id

    @field_validator("cites")
    @classmethod
    def _references_have_a_form(cls, cites: list[str]) -> list[str]:
        for ref in cites:
            if ":" not in ref and ref[:3] not in {"ph-", "te-", "fi-"}:
                raise ValueError(f"{ref!r} is neither a stable id nor collection:local_id")
        return cites


RecordIn = PhotoIn | TestimonyIn | FilingIn

_MODELS: dict[str, type[_Record]] = {
    "photo": PhotoIn,
    "testimony": TestimonyIn,
    "filing": FilingIn,
}

# Fields the format defines that are not model fields: the body of JSONL documents.
_BODY_FIELDS = {"text", "pages"}


def model_for(record_type: str) -> type[_Record]:
    return _MODELS[record_type]


def known_fields(record_type: str) -> set[str]:
    fields = set(_MODELS[record_type].model_fields)
    return fields | (_BODY_FIELDS if record_type != "photo" else set())
