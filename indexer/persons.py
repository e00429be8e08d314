"""A bundle's curated persons (`persons.yaml`): a reviewer's word on who is who, which
the cross-script name keys can only guess.

The keys are coarse on purpose, so some join different people (محمد and محمود are both
`mhmd`) and some people go by names with different keys (a nickname, a kunya). An entry
gives one person an id, their canonical name and the spellings that are theirs: each
mention of one of those spellings is stored under the key `<collection>~<id>`, which
splits it from the group its name key would join, or merges it with the entry's other
spellings. The collection in the key keeps two bundles' `p-1` apart.

A key is public wherever one of the person's mentions is, so an id is a number (`p-17`):
one that spelt a name (`ali-nasser`, `alinasser`) would tie a public kunya to a name
that may be a witness's elsewhere.

Curation only ever narrows who may read a name. An entry with `protected: true`, or
whose role is one the rules never publish (witness, family, other), is protected in
every record listing one of its spellings, as written or matched as a witness's name
is (any spelling or script of the whole name). Wherever a record withholds a name that
is an entry's, every spelling of that entry is withheld from it too, and a person the
entry makes one with the record's witness is the witness. `protected: false` never
publishes a name the rules protect.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, get_args

import yaml

from evidence.names import person_key
from evidence.redaction import Protected, Redactor
from evidence.yaml_input import ALIASES_REFUSED, YamlAliasRefused, read_bundle_yaml
from indexer.records import PersonRole

__all__ = [
    "CuratedPerson",
    "PersonRegistry",
    "PersonsFileError",
    "read_persons",
    "spelling_key",
]

PERSONS_FILE = "persons.yaml"
CURATED_ID = re.compile(r"^p-[0-9]{1,6}$")
ROLES: tuple[str, ...] = get_args(PersonRole)
# Roles the rules never publish (`indexer.documents`): an entry in one is protected.
NEVER_PUBLIC = {"witness", "family", "other"}
# Separates the collection from the id in a curated key; name keys never hold it.
KEY_SEPARATOR = "~"
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
    key: str
    name: str
    aliases: tuple[str, ...] = ()
    role: str | None = None
    protected: bool = False

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    @property
    def shielded(self) -> bool:
        """Protected wherever listed: by the reviewer, or by a role never published."""
        return self.protected or self.role in NEVER_PUBLIC


@dataclass(frozen=True)
class PersonRegistry:
    """Spelling -> curated person, for one bundle. Empty when it has no `persons.yaml`."""

    by_spelling: dict[str, CuratedPerson] = field(default_factory=dict)

    def __getstate__(self) -> dict[str, Any]:
        """Loads send the registry to their worker processes: the spellings travel, the
        matcher built from them is built again where it is used."""
        return {"by_spelling": self.by_spelling}

    def __setstate__(self, state: dict[str, Any]) -> None:
        object.__setattr__(self, "by_spelling", state["by_spelling"])

    def curated(self, name: str) -> CuratedPerson | None:
        return self.by_spelling.get(spelling_key(name)) if self.by_spelling else None

    def key(self, name: str) -> str:
        """The person key a mention of `name` is stored with: its entry's, or the name
        key of its spelling."""
        entry = self.curated(name)
        return entry.key if entry else person_key(name)

    @cached_property
    def _shielded(self) -> tuple[dict[str, CuratedPerson], Redactor]:
        entries = {e.key: e for e in self.by_spelling.values() if e.shielded}
        spellings = [Protected(s, key) for key, e in entries.items() for s in e.spellings]
        return entries, Redactor(spellings)

    def shielding(self, *names: str) -> list[CuratedPerson]:
        """The protected entries `names` are, in any spelling or script of a whole name
        (the rules a witness's name is matched by)."""
        if not self.by_spelling:
            return []
        entries, redactor = self._shielded
        if not redactor:
            return []
        found = {
            match.protected.field
            for name in names
            for match in redactor.find(name)
            if match.rule.startswith(("full name", "single name"))
        }
        # As written too: a spelling the matcher cannot read as a name ("the doctor").
        found |= {e.key for name in names if (e := self.curated(name)) and e.key in entries}
        return [entries[key] for key in sorted(found)]

    def spellings_of(self, *names: str) -> list[str]:
        """Every spelling of the entries `names` are, as written or protected."""
        entries = {e.key: e for name in names if (e := self.curated(name))}
        entries |= {e.key: e for e in self.shielding(*names)}
        return [spelling for e in entries.values() for spelling in e.spellings]

    def protects(self, *names: str) -> bool:
        return bool(self.shielding(*names))


def _entry(item: Any, where: str, collection_id: str) -> CuratedPerson:
    if not isinstance(item, dict):
        raise PersonsFileError(f"{where}: expected a mapping with id and name")
    unknown = sorted(set(item) - {"id", "name", "aliases", "role", "protected"})
    if unknown:
        raise PersonsFileError(f"{where}: unknown field {unknown[0]!r}")
    person_id = str(item.get("id", ""))
    if not CURATED_ID.match(person_id):
        raise PersonsFileError(
            f"{where}: field id {person_id!r} must be p- and a number, such as p-17: an id is "
            "public wherever the person's public mentions are, so it names nobody"
        )
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
    entry = CuratedPerson(
        f"{collection_id}{KEY_SEPARATOR}{person_id}",
        name.strip(),
        tuple(a.strip() for a in aliases),
        role,
        protected,
    )
    return entry


def read_persons(root: Path, collection_id: str) -> PersonRegistry:
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
    keys: dict[str, int] = {}
    for n, item in enumerate(items, start=1):
        entry = _entry(item, f"{path}: person {n}", collection_id)
        person_id = entry.key.split(KEY_SEPARATOR, 1)[1]
        if entry.key in keys:
            raise PersonsFileError(
                f"{path}: person {n}: id {person_id!r} is also person {keys[entry.key]}'s"
            )
        keys[entry.key] = n
        for spelling in entry.spellings:
            owner = by_spelling.get(spelling_key(spelling))
            if owner and owner.key != entry.key:
                raise PersonsFileError(
                    f"{path}: person {n}: {spelling!r} is already a spelling of person "
                    f"{keys[owner.key]}"
                )
            by_spelling[spelling_key(spelling)] = entry
    return PersonRegistry(by_spelling)
