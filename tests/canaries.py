"""Canary bundles for the spelling leak suite (pure: builds text and writes files).

Every canary is a fictional name part built from a five-consonant skeleton, written in
three spellings that share one name key (`evidence.names.name_keys`): a Latin one
(`Zaburanit`), a second transliteration (`Zebbourenit`) and an Arabic one (`زابورانيت`).
Skeletons are picked so that every key is at least two edits from every other key and
from the keys of the surrounding words and the gazetteer's names: the search forgives
one edit on a key, and a hit must name exactly one cell. A cell is one (field, form,
level): a protected field named in one spelling class at one confidentiality level, or
an ordinary field at one level. A token found in a response says which cell leaked.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from evidence.access import Level
from evidence.gazetteer import load_gazetteer
from evidence.names import name_keys

__all__ = [
    "ALIAS_FORMS",
    "NAME_FORMS",
    "Canaries",
    "Cell",
    "Record",
]

_FIRST = "zjtdsrnm"  # no Arabic proclitic (و ف ب ل ك), no vowel, no article
_REST = "bdfjklmnrstz"
_ARABIC_LETTER = dict(zip("bdfjklmnrstz", "بدفجكلمنرستز", strict=True)) | {"k": "ق"}
_ALEF, _WAW, _YEH = "\u0627", "\u0648", "\u064a"  # long vowels, dropped by keys
_LEVEL_CODE = {Level.PUBLIC: "p", Level.RESTRICTED: "r", Level.CONFIDENTIAL: "c", Level.SEALED: "s"}
# Words the bundle writes around the canaries; no canary key may be near theirs.
FILLER = (
    "SYNTHETIC vqall I am saw it is my cousin was there died The perpetrator Later and "
    "were moved People call me known as Write to at We met in frame shows the body of "
    "recognised by family held with Abu Abou أبو al el ال Al s Testimony of Photo order "
    "issued filed Order Canary Court court"
)
_WORD = re.compile(r"\w+")
_PROCLITICS = "وفبلك"


@dataclass(frozen=True)
class Part:
    """One word of a canary name in its three spellings; `key` is what they share."""

    latin: str
    variant: str
    arabic: str
    key: str

    def spellings(self) -> tuple[str, ...]:
        return (self.latin.lower(), self.variant.lower(), self.arabic, self.key)


Name = tuple[Part, ...]


def _latin(name: Name) -> str:
    return " ".join(p.latin for p in name)


def _arabic(name: Name) -> str:
    return " ".join(p.arabic for p in name)


def _with_article(words: list[str], article: str) -> str:
    return " ".join([*words[:-1], article + words[-1]])


# Each name form: (metadata value, how the text writes it), from a three-part name.
NameForm = Callable[[Name], tuple[str, str]]
NAME_FORMS: dict[str, NameForm] = {
    "as written": lambda n: (_latin(n), _latin(n)),
    "as written, Arabic": lambda n: (_arabic(n), _arabic(n)),
    "other script, Latin metadata, Arabic text": lambda n: (_latin(n), _arabic(n)),
    "other script, Arabic metadata, Latin text": lambda n: (_arabic(n), _latin(n)),
    "other transliteration": lambda n: (_latin(n), " ".join(p.variant for p in n)),
    "article added (al-)": lambda n: (_latin(n), _with_article([p.latin for p in n], "al-")),
    "article dropped": lambda n: (_with_article([p.latin for p in n], "al-"), _latin(n)),
    "article el-": lambda n: (
        _with_article([p.latin for p in n], "al-"),
        _with_article([p.latin for p in n], "el-"),
    ),
    "article fused (Al...)": lambda n: (
        _with_article([p.latin for p in n], "al-"),
        " ".join([n[0].latin, n[1].latin, "Al" + n[2].latin.lower()]),
    ),
    "article added (ال)": lambda n: (_arabic(n), _with_article([p.arabic for p in n], "ال")),
    "article dropped (ال)": lambda n: (_with_article([p.arabic for p in n], "ال"), _arabic(n)),
    "Arabic with ال, Latin fused": lambda n: (
        _with_article([p.arabic for p in n], "ال"),
        " ".join([n[0].latin, n[1].latin, "Al" + n[2].latin.lower()]),
    ),
    "surname alone": lambda n: (_latin(n), n[2].latin),
    "surname alone, other script": lambda n: (_latin(n), n[2].arabic),
    "given name beside another part": lambda n: (_latin(n), f"{n[0].latin} {n[1].latin}"),
    "possessive": lambda n: (_latin(n), _latin(n) + "'s"),
    "possessive surname": lambda n: (_latin(n), n[2].latin + "'s"),
    "hyphenated": lambda n: (_latin(n), "-".join(p.latin for p in n)),
}
# Alias forms: (alias as declared, how the text writes it), from a one-part name.
AliasForm = Callable[[Part], tuple[str, str]]
ALIAS_FORMS: dict[str, AliasForm] = {
    "kunya as written": lambda p: (f"Abu {p.latin}", f"Abu {p.latin}"),
    "kunya, other script": lambda p: (f"Abu {p.latin}", f"أبو {p.arabic}"),
    "kunya, other transliteration": lambda p: (f"Abu {p.latin}", f"Abou {p.variant}"),
    "nickname as written": lambda p: (p.latin, p.latin),
    "nickname, other script": lambda p: (p.latin, p.arabic),
}
PLACE_FORMS: dict[str, NameForm] = {
    "as written": lambda n: (_latin(n), _latin(n)),
    "other script": lambda n: (_latin(n), _arabic(n)),
    "other transliteration": lambda n: (_latin(n), " ".join(p.variant for p in n)),
    "article added (al-)": lambda n: (_latin(n), _with_article([p.latin for p in n], "al-")),
}
CONTACT_FORMS = ("email as written", "telephone, other separators")
# Protected person roles of a testimony without publication consent.
PROTECTED_ROLES = ("witness", "family", "other", "victim")
ORDINARY_FIELDS = {
    "photo": (
        "photo_id",
        "file",
        "body_id",
        "detainee_no",
        "branch_no",
        "report_no",
        "findings",
        "tags",
    ),
    "testimony": (
        "testimony_id",
        "witness_pseudonym",
        "interview_place (not protected)",
        "interviewer_org",
        "persons[alleged_perpetrator].name",
        "persons[victim, publication consent].name",
        "events[].description",
        "transcript page 1",
        "transcript page 2",
    ),
    "filing": (
        "filing_id",
        "court",
        "jurisdiction",
        "case_no",
        "title",
        "defendants",
        "charges",
        "outcome",
        "document body",
    ),
}


@dataclass(frozen=True)
class Cell:
    """One (field, form, level): what a leak of one of its tokens reveals."""

    collection: str
    record_type: str
    field: str
    form: str
    level: Level
    protected: bool
    tokens: frozenset[str]
    queries: tuple[str, ...]
    text: str = ""
    digits: str = ""

    def describe(self) -> str:
        kind = "protected" if self.protected else "ordinary"
        return (
            f"{self.collection}/{self.record_type}.{self.field} [{self.form}] "
            f"at {self.level.label} ({kind})"
        )


@dataclass
class Record:
    """One record to write: its type, local id, level, metadata and text pages."""

    record_type: str
    local_id: str
    level: Level
    meta: dict[str, object]
    pages: list[str] = field(default_factory=list)
    source: str = "md"
    cells: list[Cell] = field(default_factory=list)


def _neighbours(key: str, alphabet: str) -> Iterable[str]:
    """Every string one edit from `key`, a swap of two neighbouring letters included
    (Elasticsearch's fuzzy queries count it as one)."""
    for i in range(len(key) - 1):
        yield key[:i] + key[i + 1] + key[i] + key[i + 2 :]
    for i in range(len(key) + 1):
        for letter in alphabet:
            yield key[:i] + letter + key[i:]
            if i < len(key):
                yield key[:i] + letter + key[i + 1 :]
        if i < len(key):
            yield key[:i] + key[i + 1 :]


class _Allocator:
    """Hands out name parts whose keys are two or more edits from every key seen."""

    def __init__(self, seed: int, vocabulary: Iterable[str]) -> None:
        self._random = random.Random(seed)
        self._alphabet = "".join(sorted(set(_FIRST + _REST + "abcdefghijklmnopqrstuvwxyz")))
        self._taken: set[str] = set()
        for word in vocabulary:
            for key in name_keys(word):
                self.block(key)

    def block(self, key: str) -> None:
        self._taken.add(key)
        self._taken.update(_neighbours(key, self._alphabet))

    def part(self) -> Part:
        for _ in range(100_000):
            skeleton = self._random.choice(_FIRST)
            for _ in range(4):
                skeleton += self._random.choice([c for c in _REST if c != skeleton[-1]])
            if skeleton in self._taken:
                continue
            c = skeleton
            latin = f"{c[0].upper()}a{c[1]}u{c[2]}a{c[3]}i{c[4]}"
            q = skeleton.replace("k", "q")
            variant = f"{q[0].upper()}e{q[1] * 2}ou{q[2]}e{q[3]}ee{q[4]}"
            letters = [_ARABIC_LETTER[letter] for letter in c]
            arabic = (
                "".join([letters[0], _ALEF, letters[1], _WAW, letters[2], _ALEF, letters[3], _YEH])
                + (letters[4])
            )
            keys = {tuple(name_keys(s)) for s in (latin, variant, arabic)}
            assert keys == {(skeleton,)}, (skeleton, latin, variant, arabic, keys)
            self.block(skeleton)
            return Part(latin, variant, arabic, skeleton)
        raise AssertionError("ran out of skeletons")

    def name(self, parts: int = 3) -> Name:
        return tuple(self.part() for _ in range(parts))

    def ordinary(self) -> str:
        """A lower-case token for an ordinary field: `vq` and a Latin spelling."""
        token = "vq" + self.part().latin.lower()
        for key in name_keys(token):
            self.block(key)
        return token


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _name_tokens(name: Name) -> set[str]:
    return {s for part in name for s in part.spellings()}


def _query_items(*texts: str) -> tuple[str, ...]:
    """What a journalist would type to find a text: each of its words, articles and
    `Abu` left out (fused and possessive forms as written)."""
    skip = {"al", "el", "abu", "abou", "ال", "أبو", "s"}
    items = [w for text in texts for w in re.split(r"[\s,]+", text) if w]
    kept = [w for w in items if w.lower().strip("'") not in skip and _words(w)]
    return tuple(dict.fromkeys(kept))


class Canaries:
    """The cells and records of one generated bundle set (a loaded and an uploaded one)."""

    def __init__(self, seed: int = 16) -> None:
        gazetteer = load_gazetteer()
        vocabulary = [FILLER, *(n for f in gazetteer.facilities.values() for n in f.names)]
        self._alloc = _Allocator(seed, vocabulary)
        self._ordinary: dict[tuple[str, str, str, Level], Cell] = {}
        self.records: dict[str, list[Record]] = {}
        self._phones = itertools.count(1)

    # -- building -------------------------------------------------------------------

    def ordinary(self, collection: str, record_type: str, name: str, level: Level) -> Cell:
        """The one token of an ordinary field at a level (shared by that level's records)."""
        index = (collection, record_type, name, level)
        if index not in self._ordinary:
            token = self._alloc.ordinary()
            self._ordinary[index] = Cell(
                collection,
                record_type,
                name,
                "-",
                level,
                False,
                frozenset({token}),
                (token,),
                text=token,
            )
        return self._ordinary[index]

    def _protected(
        self,
        collection: str,
        record_type: str,
        name: str,
        form: str,
        level: Level,
        tokens: set[str],
        meta: str,
        text: str,
        digits: str = "",
    ) -> Cell:
        # A telephone number is searched as typed, whole: its groups (963, 944) are shared.
        queries = (text, f'"{meta}"') if digits else _query_items(text, meta)
        return Cell(
            collection,
            record_type,
            name,
            form,
            level,
            True,
            frozenset(tokens),
            queries,
            text,
            digits,
        )

    def build(self, collection: str, levels: Iterable[Level], forms: Iterable[str]) -> None:
        """Records for `collection`: per level, a testimony and a photo per name form, a
        testimony and a photo per alias form, and a filing."""
        records: list[Record] = []
        form_list = list(forms)
        for level in levels:
            for index, form in enumerate(form_list):
                records.append(self._name_testimony(collection, level, form, index))
                records.append(self._name_photo(collection, level, form, index))
            for index, form in enumerate(ALIAS_FORMS):
                records.append(self._alias_testimony(collection, level, form, index))
                records.append(self._person_alias_testimony(collection, level, form, index))
                records.append(self._alias_photo(collection, level, form, index))
            records.append(self._filing(collection, level))
        self.records[collection] = records

    def _common_testimony(
        self, collection: str, level: Level, local: str, record: Record
    ) -> dict[str, object]:
        def tok(name: str) -> str:
            cell = self.ordinary(collection, "testimony", name, level)
            record.cells.append(cell)
            return cell.text

        return {
            "testimony_id": f"T-{tok('testimony_id')}-{local}",
            "witness_pseudonym": f"Z-{tok('witness_pseudonym')}-{local}",
            "interviewer_org": f"Org {tok('interviewer_org')}",
            "interview_date": f"201{level + 5}-05",
            "confidentiality": level.label,
            "facilities": ["saydnaya"],
        }

    def _name_testimony(self, collection: str, level: Level, form: str, index: int) -> Record:
        local = f"n{index:02d}{_LEVEL_CODE[level]}"
        record = Record("testimony", "", level, {}, source="md" if index % 2 else "jsonl")
        meta = self._common_testimony(collection, level, local, record)
        render = NAME_FORMS[form]
        said: dict[str, str] = {}
        persons: list[dict[str, object]] = []

        def person(field_name: str) -> tuple[str, str]:
            name = self._alloc.name()
            value, text = render(name)
            cell = self._protected(
                collection, "testimony", field_name, form, level, _name_tokens(name), value, text
            )
            record.cells.append(cell)
            return value, text

        meta["witness_name"], said["witness_name"] = person("witness_name")
        for role in PROTECTED_ROLES:
            value, said[role] = person(f"persons[{role}].name")
            persons.append({"name": value, "role": role})
        perp = self.ordinary(collection, "testimony", "persons[alleged_perpetrator].name", level)
        record.cells.append(perp)
        perp_name = f"Vq {perp.text}"
        persons.append({"name": perp_name, "role": "alleged_perpetrator"})
        place = self.ordinary(collection, "testimony", "interview_place (not protected)", level)
        record.cells.append(place)
        event = self.ordinary(collection, "testimony", "events[].description", level)
        record.cells.append(event)
        meta |= {
            "interview_place": f"Camp {place.text}",
            "protected_place": False,
            "consent": ["court", "research"],
            "persons": persons,
            "events": [
                {
                    "date": f"2013-0{level + 1}",
                    "description": (
                        f"{event.text} held with {said['family']}, and {said['witness']} "
                        f"saw {said['victim']} and {said['other']}; I am "
                        f"{said['witness_name']}"
                    ),
                    "persons": [p["name"] for p in persons],
                }
            ],
        }
        pages = self._pages(collection, level, record)
        pages[0] += (
            f" I am {said['witness_name']}. {said['witness']} saw it. {said['family']} is my "
            f"cousin. {said['other']} was there. {said['victim']} died. The perpetrator "
            f"was {perp_name}."
        )
        pages[1] += f" Later {said['witness_name']} and {said['family']} were moved."
        record.local_id = str(meta["testimony_id"])
        record.meta, record.pages = meta, pages
        return record

    def _pages(self, collection: str, level: Level, record: Record) -> list[str]:
        first = self.ordinary(collection, "testimony", "transcript page 1", level)
        second = self.ordinary(collection, "testimony", "transcript page 2", level)
        record.cells += [first, second]
        return [f"SYNTHETIC vqall {first.text}.", f"{second.text}."]

    def _alias_testimony(self, collection: str, level: Level, form: str, index: int) -> Record:
        local = f"a{index:02d}{_LEVEL_CODE[level]}"
        record = Record("testimony", "", level, {}, source="md" if index % 2 else "jsonl")
        meta = self._common_testimony(collection, level, local, record)
        render = ALIAS_FORMS[form]

        def aliased(field_name: str) -> tuple[str, str, str]:
            name, alias = self._alloc.name(), self._alloc.part()
            declared, text = render(alias)
            tokens = _name_tokens(name) | set(alias.spellings())
            cell = self._protected(
                collection, "testimony", field_name, form, level, tokens, declared, text
            )
            record.cells.append(cell)
            return _latin(name), declared, text

        meta["witness_name"], witness_alias, witness_said = aliased("witness_aliases")
        meta["witness_aliases"] = [witness_alias]
        perp = self.ordinary(collection, "testimony", "persons[alleged_perpetrator].name", level)
        published = self.ordinary(
            collection, "testimony", "persons[victim, publication consent].name", level
        )
        record.cells += [perp, published]
        meta["persons"] = [
            {"name": f"Vq {perp.text}", "role": "alleged_perpetrator"},
            {"name": f"Vq {published.text}", "role": "victim"},
        ]
        meta["consent"] = ["court", "publication", "research"]
        pages = self._pages(collection, level, record)
        event = self.ordinary(collection, "testimony", "events[].description", level)
        record.cells.append(event)
        extra = ""
        if index < len(CONTACT_FORMS):
            contact_form = CONTACT_FORMS[index]
            if index == 0:
                a, b = self._alloc.part(), self._alloc.part()
                value = text = f"{a.latin.lower()}.{b.latin.lower()}@mail.example"
                tokens, digits = set(a.spellings()) | set(b.spellings()), ""
            else:
                digits = f"963944{level}{next(self._phones):03d}71"
                value = f"+963 944 {digits[6:9]} {digits[9:]}"
                text = f"00963-944-{digits[6:]}"
                tokens = set()
            cell = self._protected(
                collection,
                "testimony",
                "witness_contact",
                contact_form,
                level,
                tokens,
                value,
                text,
                digits,
            )
            record.cells.append(cell)
            meta["witness_contact"] = value
            extra += f" Write to me at {text}."
        if index < len(PLACE_FORMS):
            place_form = list(PLACE_FORMS)[index]
            place = self._alloc.name(2)
            value, text = PLACE_FORMS[place_form](place)
            cell = self._protected(
                collection,
                "testimony",
                "interview_place (protected)",
                place_form,
                level,
                _name_tokens(place),
                value,
                text,
            )
            record.cells.append(cell)
            meta |= {"interview_place": value, "protected_place": True}
            extra += f" We met in {text}."
        meta["events"] = [
            {
                "date": f"2013-0{level + 1}",
                "description": f"{event.text} held with {witness_said}, who was there",
            }
        ]
        pages[0] += f" People call me {witness_said}.{extra} The victim was Vq {published.text}."
        pages[1] += f" Later {witness_said} was moved."
        record.local_id = str(meta["testimony_id"])
        record.meta, record.pages = meta, pages
        return record

    def _person_alias_testimony(
        self, collection: str, level: Level, form: str, index: int
    ) -> Record:
        """Apart from the others: today a person's `aliases` rejects the whole record."""
        local = f"f{index:02d}{_LEVEL_CODE[level]}"
        record = Record("testimony", "", level, {}, source="md" if index % 2 else "jsonl")
        meta = self._common_testimony(collection, level, local, record)
        name, alias = self._alloc.name(), self._alloc.part()
        declared, said = ALIAS_FORMS[form](alias)
        tokens = _name_tokens(name) | set(alias.spellings())
        record.cells.append(
            self._protected(
                collection,
                "testimony",
                "persons[family].aliases",
                form,
                level,
                tokens,
                declared,
                said,
            )
        )
        meta["persons"] = [{"name": _latin(name), "role": "family", "aliases": [declared]}]
        meta["consent"] = ["court", "research"]
        event = self.ordinary(collection, "testimony", "events[].description", level)
        record.cells.append(event)
        meta["events"] = [
            {"date": f"2013-0{level + 1}", "description": f"{event.text} held with {said}"}
        ]
        pages = self._pages(collection, level, record)
        pages[0] += f" My cousin is known as {said}."
        pages[1] += f" Later {said} was moved."
        record.local_id = str(meta["testimony_id"])
        record.meta, record.pages = meta, pages
        return record

    def _photo(
        self, collection: str, level: Level, local: str, record: Record, said: str
    ) -> dict[str, object]:
        def tok(name: str) -> str:
            cell = self.ordinary(collection, "photo", name, level)
            record.cells.append(cell)
            return cell.text

        return {
            "photo_id": f"P-{tok('photo_id')}-{local}",
            "file": f"media/{tok('file')}-{local}.jpg",
            "body_id": f"B-{tok('body_id')}-{local}",
            "detainee_no": f"{tok('detainee_no')}-{local}",
            "branch_no": f"{tok('branch_no')}",
            "report_no": f"R-{tok('report_no')}-{local}",
            "facility": "hospital-601",
            "date_photographed": f"2012-0{level + 1}-10",
            "identification": "family_recognised",
            "findings": (
                f"SYNTHETIC vqall {tok('findings')}: frame shows the body of {said}, "
                "recognised by family."
            ),
            "tags": [tok("tags"), said],
            "confidentiality": level.label,
        }

    def _name_photo(self, collection: str, level: Level, form: str, index: int) -> Record:
        record = Record("photo", "", level, {}, source="csv" if index % 2 else "jsonl")
        name = self._alloc.name()
        value, said = NAME_FORMS[form](name)
        cell = self._protected(
            collection, "photo", "victim_name", form, level, _name_tokens(name), value, said
        )
        record.cells.append(cell)
        record.meta = self._photo(collection, level, f"n{index:02d}", record, said)
        record.meta["victim_name"] = value
        record.local_id = str(record.meta["photo_id"])
        return record

    def _alias_photo(self, collection: str, level: Level, form: str, index: int) -> Record:
        record = Record("photo", "", level, {}, source="csv" if index % 2 else "jsonl")
        name, alias = self._alloc.name(), self._alloc.part()
        declared, said = ALIAS_FORMS[form](alias)
        tokens = _name_tokens(name) | set(alias.spellings())
        cell = self._protected(
            collection, "photo", "victim_aliases", form, level, tokens, declared, said
        )
        record.cells.append(cell)
        record.meta = self._photo(collection, level, f"a{index:02d}", record, said)
        record.meta |= {"victim_name": _latin(name), "victim_aliases": [declared]}
        record.local_id = str(record.meta["photo_id"])
        return record

    def _filing(self, collection: str, level: Level) -> Record:
        record = Record("filing", "", level, {})

        def tok(name: str) -> str:
            cell = self.ordinary(collection, "filing", name, level)
            record.cells.append(cell)
            return cell.text

        record.meta = {
            "filing_id": f"F-{tok('filing_id')}",
            "court": f"Canary Court {tok('court')}",
            "doc_type": "order",
            "jurisdiction": f"Land {tok('jurisdiction')}",
            "case_no": f"C-{tok('case_no')}",
            "title": f"Order {tok('title')}",
            "date_filed": f"2019-0{level + 1}-01",
            "date_issued": f"2020-0{level + 1}-01",
            "defendants": [f"Vq {tok('defendants')}"],
            "charges": [f"charge {tok('charges')}"],
            "outcome": f"outcome {tok('outcome')}",
            "confidentiality": level.label,
        }
        record.pages = [f"SYNTHETIC vqall {tok('document body')} filing text."]
        record.local_id = str(record.meta["filing_id"])
        return record

    # -- writing --------------------------------------------------------------------

    def write(self, collection: str, root: Path) -> None:
        """The bundle of `collection` under `root`: photos in CSV and JSONL, testimonies
        as front matter and JSONL, filings as front matter."""
        for folder in ("media", "testimonies", "filings"):
            (root / folder).mkdir(parents=True, exist_ok=True)
        (root / "collection.yaml").write_text(
            f"id: {collection}\ntitle: Spelling canaries (SYNTHETIC)\n"
            "default_confidentiality: sealed\nsynthetic: true\n"
        )
        csv_rows: list[dict[str, object]] = []
        jsonl: dict[str, list[str]] = {"photos": [], "testimonies": []}
        for number, record in enumerate(self.records[collection]):
            if record.record_type == "photo":
                colour = (number * 7 % 256, 90, 90)
                Image.new("RGB", (16, 16), colour).save(root / str(record.meta["file"]))
                if record.source == "csv":
                    csv_rows.append(record.meta)
                else:
                    jsonl["photos"].append(json.dumps(record.meta, ensure_ascii=False))
            elif record.record_type == "testimony" and record.source == "jsonl":
                line = record.meta | {"pages": record.pages}
                jsonl["testimonies"].append(json.dumps(line, ensure_ascii=False))
            else:
                folder = "testimonies" if record.record_type == "testimony" else "filings"
                front = json.dumps(record.meta, ensure_ascii=False)
                body = "\f".join(record.pages)
                (root / folder / f"r{number:03d}.md").write_text(f"---\n{front}\n---\n{body}\n")
        columns = list(dict.fromkeys(k for row in csv_rows for k in row))
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in csv_rows:
            writer.writerow({k: ";".join(v) if isinstance(v, list) else v for k, v in row.items()})
        (root / "photos.csv").write_text(buffer.getvalue())
        for name, lines in jsonl.items():
            (root / f"{name}.jsonl").write_text("".join(line + "\n" for line in lines))

    # -- reading responses ----------------------------------------------------------

    @property
    def cells(self) -> list[Cell]:
        """Every cell once, in a stable order."""
        seen = {c: None for r in itertools.chain(*self.records.values()) for c in r.cells}
        return list(seen)

    def decoys(self, count: int) -> list[str]:
        """Words spelled like the canaries that no record holds: the ranking control."""
        return [self._alloc.part().latin for _ in range(count)]

    def index(self) -> Scanner:
        return Scanner(self.cells)


class Scanner:
    """Finds the cells whose tokens a response holds, in any spelling, whole words only
    (an Arabic word with an article or a one-letter proclitic, a Latin one with a fused
    article, count as the word); telephone canaries are found by their digits."""

    def __init__(self, cells: Iterable[Cell]) -> None:
        self.by_token: dict[str, Cell] = {}
        self.phones: dict[str, Cell] = {}
        for cell in cells:
            for token in cell.tokens:
                other = self.by_token.setdefault(token, cell)
                assert other is cell, f"{token!r} is in {other.describe()} and {cell.describe()}"
            if cell.digits:
                self.phones[cell.digits] = cell

    def scan(self, text: str) -> dict[Cell, set[str]]:
        found: dict[Cell, set[str]] = {}
        for word in set(_WORD.findall(text.lower())):
            variants = {word}
            if word[:2] in {"al", "el"}:
                variants.add(word[2:])
            if word.startswith("ال"):
                variants.add(word[2:])
            if word.startswith("لل"):
                variants.add(word[2:])
            if word[:1] in _PROCLITICS:
                variants.add(word[1:])
                if word[1:3] == "ال":
                    variants.add(word[3:])
            for variant in variants:
                cell = self.by_token.get(variant)
                if cell is not None:
                    found.setdefault(cell, set()).add(word)
        if self.phones:
            digits = re.sub(r"\D", "", text)
            for number, cell in self.phones.items():
                if number in digits:
                    found.setdefault(cell, set()).add(number)
        return found
