"""A bundle's curated persons (`persons.yaml`): a reviewer's word on who is who, which
the cross-script name keys can only guess.

The keys are coarse on purpose, so some join different people (محمد and محمود are both
`mhmd`) and some people go by names with different keys (a nickname, a kunya). An entry
gives one person an id, their canonical name and the spellings that are theirs: each
mention of one of those spellings gets the entry's id as its person key, which splits
it from the group its key would join, or merges it with the entry's other spellings.

Curation only ever narrows who may read a name: `protected: true` makes every listed
mention of the entry's spellings protected in this bundle, but `protected: false` never
publishes a name the rules protect (`docs/ingest-format.md`, "Who sees protected
material").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

import yaml

from evidence.names import person_key
from evidence.yaml_input import ALIASES_REFUSED, YamlAliasRefused, read_bundle_yaml
from indexer.records import PersonRole

__all__ = ["CuratedPerson", "PersonRegistry", "PersonsFileError", "read_persons"]

PERSONS_FILE = "persons.yaml"
CURATED_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,60}$")
ROLES: tuple[str, ...] = get_args(PersonRole)
_SPACES = re.compile(r"\s+")


class PersonsFileError(Exception):
    """`persons.yaml` cannot be applied; the bundle is refused as a whole, since loading
    without it could publish a name a reviewer protected."""


def spelling_key(name: str) -> str:
    """What makes two spellings one entry's: letter case, spaces and compatibility forms
    aside, the same characters."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", name)).strip().casefold()


@dataclass(frozen=True)
class CuratedPerson:
    id: str
    name: str
    aliases: tuple[str, ...] = ()
    role: str | None = None
    protected: bool = False


@dataclass(frozen=True)
class PersonRegistry:
    """Spelling -> curated person, for one bundle. Empty when it has no `persons.yaml`."""

    by_spelling: dict[str, CuratedPerson] = field(default_factory=dict)

    def curated(self, name: str) -> CuratedPerson | None:
        return self.by_spelling.get(spelling_key(name)) if self.by_spelling else None

    def key(self, name: str) -> str:
        """The person key a mention of `name` is stored with: its entry's id, or the name
        key of its spelling."""
        entry = self.curated(name)
        return entry.id if entry else person_key(name)

    def protects(self, *names: str) -> bool:
        return any((entry := self.curated(name)) and entry.protected for name in names)


def _entry(item: Any, where: str) -> CuratedPerson:
    if not isinstance(item, dict):
        raise PersonsFileError(f"{where}: expected a mapping with id and name")
    unknown = sorted(set(item) - {"id", "name", "aliases", "role", "protected"})
    if unknown:
        raise PersonsFileError(f"{where}: unknown field {unknown[0]!r}")
    person_id = str(item.get("id", ""))
    if not CURATED_ID.match(person_id):
        raise PersonsFileError(f"{where}: field id {person_id!r} must match {CURATED_ID.pattern}")
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        raise PersonsFileError(f"{where}: field name is required")
    aliases = item.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        raise PersonsFileError(f"{where}: field aliases must be a list of names")
    role = item.get("role")
    if role is not None and role not in ROLES:
        raise PersonsFileError(f"{where}: field role {role!r} must be one of {', '.join(ROLES)}")
    protected = item.get("protected", False)
    if not isinstance(protected, bool):
        raise PersonsFileError(f"{where}: field protected must be true or false")
    return CuratedPerson(
        person_id, name.strip(), tuple(a.strip() for a in aliases), role, protected
    )


def read_persons(root: Path) -> PersonRegistry:
    """The bundle's `persons.yaml`, checked whole: a spelling given to two entries, or
    one id used twice, is refused with both places named."""
    path = root / PERSONS_FILE
    if not path.is_file():
        return PersonRegistry()
    try:
        items = read_bundle_yaml(path.read_text(encoding="utf-8"), str(path))
    except YamlAliasRefused as error:
        line = error.problem_mark.line + 1 if error.problem_mark else 1
        raise PersonsFileError(f"{path}: {ALIASES_REFUSED} (line {line})") from error
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise PersonsFileError(f"{path}: not valid YAML: {error}") from error
    if items is None:
        return PersonRegistry()
    if not isinstance(items, list):
        raise PersonsFileError(f"{path}: expected a list of persons")
    by_spelling: dict[str, CuratedPerson] = {}
    ids: dict[str, int] = {}
    for n, item in enumerate(items, start=1):
        entry = _entry(item, f"{path}: person {n}")
        if entry.id in ids:
            raise PersonsFileError(
                f"{path}: person {n}: id {entry.id!r} is also person {ids[entry.id]}'s"
            )
        ids[entry.id] = n
        for spelling in (entry.name, *entry.aliases):
            owner = by_spelling.get(spelling_key(spelling))
            if owner and owner.id != entry.id:
                raise PersonsFileError(
                    f"{path}: person {n}: {spelling!r} is already a spelling of {owner.id!r}"
                )
            by_spelling[spelling_key(spelling)] = entry
    return PersonRegistry(by_spelling)
