"""The facility gazetteer: ids, English and Arabic names, and the aliases sources use.

Records store facility ids. Any alias resolves to its id when loading, in any script
and spelling the analysis module folds together; an unknown name gets the closest
known ones as suggestions. Search indexes every name of a facility with its records.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import yaml

from evidence.analysis import analyse

__all__ = ["Facility", "Gazetteer", "load_gazetteer"]


@dataclass(frozen=True)
class Facility:
    id: str
    kind: str
    name_en: str
    name_ar: str
    aliases: tuple[str, ...]
    branch_no: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name_en, self.name_ar, *self.aliases)


def _key(text: str) -> str:
    return " ".join(analyse(text.replace("-", " ")))


class Gazetteer:
    def __init__(self, facilities: list[Facility]) -> None:
        self.facilities = {facility.id: facility for facility in facilities}
        self._by_key: dict[str, Facility] = {}
        for facility in facilities:
            for name in (facility.id, *facility.names):
                existing = self._by_key.setdefault(_key(name), facility)
                if existing is not facility:
                    raise ValueError(f"{name!r} names both {existing.id} and {facility.id}")

    def resolve(self, value: str) -> Facility | None:
        """The facility an id or alias names, or None."""
        return self._by_key.get(_key(value))

    def suggest(self, value: str, limit: int = 3) -> list[str]:
        """Ids of the facilities whose names are closest to an unknown value."""
        close = difflib.get_close_matches(_key(value), list(self._by_key), n=limit * 3, cutoff=0.4)
        ids = dict.fromkeys(self._by_key[key].id for key in close)
        return list(ids)[:limit]

    def by_branch(self, branch_no: str) -> Facility | None:
        """The facility a branch number written on a body or card refers to."""
        return next((f for f in self.facilities.values() if f.branch_no == branch_no), None)

    def label(self, facility_id: str) -> str:
        facility = self.facilities.get(facility_id)
        return facility.name_en if facility else facility_id


@cache
def load_gazetteer() -> Gazetteer:
    raw = yaml.safe_load(files("evidence").joinpath("data/gazetteer.yaml").read_text("utf-8"))
    return Gazetteer(
        [
            Facility(
                id=entry["id"],
                kind=entry["kind"],
                name_en=entry["name_en"],
                name_ar=entry["name_ar"],
                aliases=tuple(str(alias) for alias in entry.get("aliases", [])),
                branch_no=str(entry["branch_no"]) if entry.get("branch_no") else None,
            )
            for entry in raw
        ]
    )
