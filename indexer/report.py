"""The load report: counts that reconcile, and one line per record that was not indexed."""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

__all__ = ["LoadReport", "Origin", "Rejection", "Withheld"]


@dataclass(frozen=True)
class Rejection:
    """Where a record came from, which field was wrong, and what to fix."""

    file: str
    line: int
    field: str
    reason: str
    local_id: str | None = None
    bundle: str = ""  # file paths are relative to it; set once the bundle is done


@dataclass(frozen=True)
class Withheld:
    """One span withheld from the public text of a record, or a near miss: a word that
    resembles a protected name but was left, for a person to confirm. Names protected
    values, so the review report is for admins only."""

    kind: str  # "withheld" or "near miss"
    file: str
    line: int
    local_id: str
    field: str  # where in the record: `pages`, `findings`, `tags[1]`, `events[2].description`
    page: int | None
    offset: int
    form: str  # the words as the text has them
    rule: str  # the rule that withheld them, or why a near miss was not withheld
    protected_field: str  # `witness_name`, `persons[0].aliases[1]`, ...
    protected_value: str
    bundle: str = ""


@dataclass(frozen=True)
class Origin:
    """Where a record was read from, carried along until it is indexed or rejected."""

    file: str
    line: int
    local_id: str | None = None

    def reject(self, field: str, reason: str) -> Rejection:
        return Rejection(self.file, self.line, field, reason, self.local_id)


@dataclass
class LoadReport:
    read: int = 0
    indexed: int = 0
    unchanged: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    review: list[Withheld] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        """Records, not problems: one record with two bad fields counts once."""
        return len({(r.bundle, r.file, r.line) for r in self.rejections})

    @property
    def reconciles(self) -> bool:
        return self.read == self.indexed + self.unchanged + self.rejected

    def from_bundle(self, bundle: Path) -> LoadReport:
        """Name the bundle on every rejection: `photos.csv` line 3 is ambiguous once
        several bundles share one report."""
        self.rejections = [replace(r, bundle=str(bundle)) for r in self.rejections]
        self.review = [replace(w, bundle=str(bundle)) for w in self.review]
        return self

    def merge(self, other: LoadReport) -> None:
        self.read += other.read
        self.indexed += other.indexed
        self.unchanged += other.unchanged
        self.rejections += other.rejections
        self.warnings += other.warnings
        self.review += other.review

    def to_json(self) -> dict[str, Any]:
        """The report as plain JSON, for a job's result: one part of a split load hands
        its report to the job that joins them."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LoadReport:
        return cls(
            read=data["read"],
            indexed=data["indexed"],
            unchanged=data["unchanged"],
            rejections=[Rejection(**row) for row in data["rejections"]],
            warnings=list(data["warnings"]),
            review=[Withheld(**row) for row in data["review"]],
        )

    def summary(self) -> str:
        return (
            f"read {self.read}, indexed {self.indexed}, unchanged {self.unchanged}, "
            f"rejected {self.rejected}"
        )

    def write(self, path: Path) -> None:
        """NDJSON, or CSV when the path ends in `.csv`; an empty file when nothing failed."""
        path.parent.mkdir(parents=True, exist_ok=True)
        rows = [asdict(rejection) for rejection in self.rejections]
        with path.open("w", encoding="utf-8", newline="") as out:
            if path.suffix == ".csv":
                writer = csv.DictWriter(out, fieldnames=[f.name for f in fields(Rejection)])
                writer.writeheader()
                writer.writerows(rows)
            else:
                out.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
