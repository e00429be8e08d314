"""Date values in the bundle syntax (`2012-03-14`, `2012-03`, `circa:`, ranges, empty).

Each value keeps its anchor day and end so that prose in four languages and EXIF
timestamps can be written consistently with the metadata they accompany.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from random import Random

__all__ = [
    "ATLAS_MIX",
    "CAESAR_MIX",
    "EVENT_MIX",
    "INTERVIEW_MIX",
    "DateValue",
    "date_value",
    "spoken",
]

# Shares of (day, month, year, circa, range, undated).
Mix = tuple[float, float, float, float, float, float]
CAESAR_MIX: Mix = (0.80, 0.08, 0.0, 0.06, 0.04, 0.02)
ATLAS_MIX: Mix = (0.60, 0.15, 0.05, 0.08, 0.07, 0.05)
EVENT_MIX: Mix = (0.35, 0.28, 0.10, 0.15, 0.12, 0.0)
INTERVIEW_MIX: Mix = (0.85, 0.10, 0.0, 0.0, 0.0, 0.05)

MONTHS = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    "de": [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ],
    # Levantine month names, as Syrian witnesses write them.
    "ar": [
        "كانون الثاني",
        "شباط",
        "آذار",
        "نيسان",
        "أيار",
        "حزيران",
        "تموز",
        "آب",
        "أيلول",
        "تشرين الأول",
        "تشرين الثاني",
        "كانون الأول",
    ],
}
_EASTERN_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@dataclass(frozen=True)
class DateValue:
    text: str
    start: date | None
    end: date | None
    precision: str
    approximate: bool

    @property
    def has_day(self) -> bool:
        return self.precision == "day" and not self.approximate


def _day(rng: Random, first: date, last: date) -> date:
    return date.fromordinal(rng.randint(first.toordinal(), last.toordinal()))


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _pick_kind(roll: float, mix: Mix) -> str:
    for kind, share in zip(("day", "month", "year", "circa", "range"), mix, strict=False):
        if roll < share:
            return kind
        roll -= share
    return ""


def date_value(rng: Random, first: date, last: date, mix: Mix) -> DateValue:
    """A random date value between `first` and `last` with the precision mix given."""
    day = _day(rng, first, last)
    kind = _pick_kind(rng.random(), mix)
    if not kind:
        return DateValue("", None, None, "", False)
    if kind == "day":
        return DateValue(day.isoformat(), day, day, "day", False)
    if kind == "month":
        return DateValue(day.strftime("%Y-%m"), day.replace(day=1), _month_end(day), "month", False)
    if kind == "year":
        return DateValue(str(day.year), date(day.year, 1, 1), date(day.year, 12, 31), "year", False)
    if kind == "circa":
        if rng.random() < 0.5:
            return DateValue(f"circa:{day.isoformat()}", day, day, "day", True)
        start, end = day.replace(day=1), _month_end(day)
        return DateValue(f"circa:{day.strftime('%Y-%m')}", start, end, "month", True)
    end = min(last, day + timedelta(days=rng.choice((2, 5, 10, 30, 60))))
    if rng.random() < 0.5 or (day.year, day.month) == (end.year, end.month):
        text = f"{day.isoformat()}/{end.isoformat()}"
    else:
        text = f"{day.strftime('%Y-%m')}/{end.strftime('%Y-%m')}"
        day, end = day.replace(day=1), _month_end(end)
    return DateValue(text, day, end, "range", False)


def _digits(text: str, eastern: bool) -> str:
    return text.translate(_EASTERN_DIGITS) if eastern else text


def _day_phrase(day: date, language: str) -> str:
    month = MONTHS[language][day.month - 1]
    return f"{day.day}. {month} {day.year}" if language == "de" else f"{day.day} {month} {day.year}"


# How each language puts a date into a sentence: (day, month, year) forms.
_ON = {
    "en": ("on {}", "in {}", "in {}"),
    "fr": ("le {}", "en {}", "en {}"),
    "de": ("am {}", "im {}", "im Jahr {}"),
    "ar": ("في {}", "في {}", "في عام {}"),
}
_ABOUT = {"en": "around {}", "fr": "vers {}", "de": "etwa {}", "ar": "حوالي {}"}
_BETWEEN = {
    "en": "between {} and {}",
    "fr": "entre le {} et le {}",
    "de": "zwischen dem {} und dem {}",
    "ar": "بين {} و{}",
}
_UNKNOWN = {
    "en": "at a time I cannot recall",
    "fr": "à une date dont je ne me souviens pas",
    "de": "zu einer Zeit, an die ich mich nicht erinnere",
    "ar": "في وقت لا أذكره",
}


def spoken(value: DateValue, language: str, eastern_digits: bool = False) -> str:
    """The date as an adverbial a witness would use ("in March 2012", "le 14 mars 2012")."""
    if value.start is None or value.end is None:
        return _UNKNOWN[language]
    eastern = eastern_digits and language == "ar"
    on_day, in_month, in_year = _ON[language]
    if value.precision == "range":
        text = _BETWEEN[language].format(
            _day_phrase(value.start, language), _day_phrase(value.end, language)
        )
    elif value.precision == "year":
        text = in_year.format(value.start.year)
    elif value.precision == "month":
        text = in_month.format(f"{MONTHS[language][value.start.month - 1]} {value.start.year}")
    else:
        text = on_day.format(_day_phrase(value.start, language))
    if value.approximate:
        # German keeps its preposition ("etwa im März"); the others replace it.
        text = text if language == "de" else text.split(" ", 1)[1]
        if language == "fr" and value.precision == "day":
            text = "le " + text
        text = _ABOUT[language].format(text)
    return _digits(text, eastern)
