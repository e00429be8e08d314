"""Fictional people: names built from first/last-name banks, in Arabic and Latin forms.

Every person in the demo data is invented. Names are assembled from common given names
and family names, never from a list of real people, and the family-name bank leaves out
the names of publicly known defendants so that a demo person can never be mistaken for
one. Each name has an Arabic form and several Latin transliterations so that search can
be tested on matching across scripts and spellings.
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

__all__ = [
    "CITIES",
    "NGOS",
    "Person",
    "contact",
    "person",
    "pseudonym",
]

# (Arabic form, Latin transliterations). Some Arabic forms drop the hamza on purpose.
MALE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("محمد", ("Mohammad", "Muhammad", "Mohamed")),
    ("أحمد", ("Ahmad", "Ahmed")),
    ("احمد", ("Ahmad", "Ahmed")),
    ("خالد", ("Khaled", "Khalid")),
    ("عمر", ("Omar", "Umar")),
    ("يوسف", ("Yousef", "Youssef", "Yusuf")),
    ("سامر", ("Samer",)),
    ("باسل", ("Basel", "Bassel")),
    ("طارق", ("Tareq", "Tarek", "Tariq")),
    ("نادر", ("Nader",)),
    ("وائل", ("Wael", "Wail")),
    ("فراس", ("Firas", "Feras")),
    ("زياد", ("Ziad", "Ziyad")),
    ("رامي", ("Rami",)),
    ("هيثم", ("Haytham", "Haitham")),
    ("إبراهيم", ("Ibrahim", "Ebrahim")),
    ("ابراهيم", ("Ibrahim",)),
    ("عبد الرحمن", ("Abdulrahman", "Abd al-Rahman")),
)
FEMALE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("فاطمة", ("Fatima", "Fatma")),
    ("مريم", ("Maryam", "Mariam")),
    ("ريم", ("Reem", "Rim")),
    ("هبة", ("Hiba", "Heba")),
    ("لينا", ("Lina",)),
    ("رنا", ("Rana",)),
    ("سلمى", ("Salma",)),
    ("نور", ("Nour", "Noor")),
    ("آمنة", ("Amina", "Amena")),
    ("دعاء", ("Duaa", "Doaa")),
    ("ياسمين", ("Yasmin", "Yasmine")),
)

FAMILY: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("الحلبي", ("al-Halabi", "Halabi", "el-Halaby")),
    ("العلي", ("al-Ali", "Al Ali")),
    ("الشامي", ("al-Shami", "Shami", "el-Chami")),
    ("الحمصي", ("al-Homsi", "Homsi")),
    ("الحوراني", ("al-Hourani", "Hourani")),
    ("النجار", ("al-Najjar", "Najjar")),
    ("الحداد", ("al-Haddad", "Haddad")),
    ("الزعبي", ("al-Zoubi", "Zoubi", "al-Zuabi")),
    ("العمر", ("al-Omar", "Al Omar")),
    ("السعدي", ("al-Saadi", "Saadi")),
    ("الكردي", ("al-Kurdi", "Kurdi")),
    ("بكور", ("Bakkour", "Bakour")),
    ("حمدان", ("Hamdan",)),
    ("سليمان", ("Suleiman", "Sleiman", "Soliman")),
    ("شحادة", ("Shehadeh", "Chehade", "Shahada")),
    ("عيسى", ("Issa", "Eissa")),
    ("الدرعاوي", ("al-Daraawi", "Daraoui")),
    ("قبلان", ("Qablan", "Kablan")),
    ("الرفاعي", ("al-Rifai", "Rifaai")),
    ("الطحان", ("al-Tahhan", "Tahhan")),
)

CITIES = (
    "Berlin, Germany",
    "Hamburg, Germany",
    "Paris, France",
    "Lyon, France",
    "Gaziantep, Türkiye",
    "Istanbul, Türkiye",
    "Beirut, Lebanon",
    "Amman, Jordan",
    "Stockholm, Sweden",
    "Vienna, Austria",
    "Damascus, Syria",
    "Idlib, Syria",
)

# Invented organisations; none of these names is meant to refer to a real NGO.
NGOS = (
    "Orontes Testimony Project",
    "Qasioun Memory Network",
    "Barada Witness Archive",
    "Jasmine Gate Documentation Lab",
    "Yarmouk River Accountability Circle",
)


@dataclass(frozen=True)
class Person:
    """An invented person: Arabic and Latin forms of the same name."""

    arabic: str
    latin: str

    def name_for(self, language: str) -> str:
        return self.arabic if language == "ar" else self.latin


def person(rng: Random, gender: str = "") -> Person:
    """A fictional name (`gender` "m", "f" or either); Latin spellings of one name vary."""
    given_ar, given_lat = rng.choice(
        MALE if gender == "m" else FEMALE if gender == "f" else MALE + FEMALE
    )
    family_ar, family_lat = rng.choice(FAMILY)
    return Person(
        arabic=f"{given_ar} {family_ar}",
        latin=f"{rng.choice(given_lat)} {rng.choice(family_lat)}",
    )


def pseudonym(index: int) -> str:
    """Unique witness pseudonyms such as `Z-14`: what lower roles see instead of a name."""
    letters = "ABCDEFGHJKLMNPRSTVWXZ"
    return f"{letters[index % len(letters)]}-{index // len(letters) + 1}"


def contact(rng: Random, who: Person, index: int) -> str:
    """Unreachable contacts: `.invalid` e-mail domains or the 555-01xx fiction range."""
    if rng.random() < 0.6:
        handle = who.latin.split()[0].lower().replace("'", "")
        return f"{handle}.{index}@example.invalid"
    return f"+1-202-555-01{rng.randrange(100):02d}"
