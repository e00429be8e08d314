"""The rejection report: one line per record that was not indexed, and why."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = ["LoadReport", "Origin", "Rejection"]


@dataclass(frozen=True)
class Rejection:
    """Where a record came from, which field was wrong, and what to fix."""

    file: str
    line: int
    field: str
    reason: str
    local_id: str | None = None


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
    rejections: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        """Records, not problems: one record with two bad fields counts once."""
        return len({(r.file, r.line) for r in self.rejections})

    @property
    def reconciles(self) -> bool:
        return self.read == self.indexed + self.rejected

    def write_ndjson(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as out:
            for rejection in self.rejections:
                out.write(json.dumps(asdict(rejection), ensure_ascii=False) + "\n")
