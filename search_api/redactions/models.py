"""The redaction review's JSON contract: bundles with their counts, and one bundle's rows
and changes. Kept apart from the stored documents (`indexer.review` writes them)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "BundleReview",
    "ReviewChanges",
    "ReviewDetail",
    "ReviewList",
    "ReviewParams",
    "ReviewRow",
]

Kind = Literal["withheld", "near miss"]


class ReviewRow(BaseModel):
    """One withheld span or near miss: where, in which form, by which rule, and which
    protected value it is (or resembles)."""

    kind: Kind
    file: str
    line: int
    local_id: str
    field: str
    page: int | None
    offset: int
    form: str
    rule: str
    protected_field: str
    protected_value: str


class NearMissWithheld(BaseModel):
    near_miss: ReviewRow = Field(description="The near miss of the previous load.")
    withheld: ReviewRow = Field(description="The span that withholds it now.")


class ReviewChanges(BaseModel):
    """What the latest load changed, against the bundle's previous load."""

    counts: dict[str, int]
    newly_withheld: list[ReviewRow]
    no_longer_withheld: list[ReviewRow]
    near_misses_withheld: list[NearMissWithheld]
    new_near_misses: list[ReviewRow]
    near_misses_gone: list[ReviewRow]


class RuleCount(BaseModel):
    rule: str
    count: int


class Writer(BaseModel):
    username: str
    ceiling: str


class BundleReview(BaseModel):
    """A bundle's review at its latest load, in counts."""

    id: str = Field(description="The bundle's id, as in the registry.")
    collection: str
    folder: str = Field(description="The bundle folder's name.")
    loaded_at: str
    previous_loaded_at: str | None
    writer: Writer | None = Field(default=None, description="The uploader; none: the CLI.")
    records: int = Field(description="Records read.")
    withheld: int
    near_misses: int
    by_rule: list[RuleCount]
    changed: dict[str, int] | None = Field(description="Counts of `changes`; none at first.")
    url: str = Field(description="This bundle's review, with its rows.")


class ReviewList(BaseModel):
    bundles: list[BundleReview]


class ReviewParams(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Kind | None = None
    record: str | None = Field(default=None, max_length=200, description="A local id.")
    offset: int = Field(default=0, ge=0)
    size: int = Field(default=200, ge=1, le=1000)

    @field_validator("kind", "record", mode="before")
    @classmethod
    def _blank_is_any(cls, value: object) -> object:
        """The page's filter form sends an empty value for "all"."""
        return None if value == "" else value


class ReviewDetail(BundleReview):
    """One bundle's review: the change summary and a page of its rows."""

    changes: ReviewChanges | None
    rows: list[ReviewRow]
    matching: int = Field(description="Rows that match the filters.")
    rows_kept: int = Field(description="Rows kept; fewer than the counts for huge bundles.")
    offset: int
    next: str | None = Field(description="Query string of the next page of rows.")
