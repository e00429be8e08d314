"""Phrase banks for photo findings and tags, in English and Arabic.

Findings describe what an examiner notes on a frame; the wording is generic and
clinical, the kind of text reported for the Caesar files, never a real case.
"""

from __future__ import annotations

from random import Random

__all__ = ["findings", "frame_note"]

# (English, Arabic, tag)
_CUSTODY: tuple[tuple[str, str, str], ...] = (
    (
        "bruising on the wrists consistent with restraints",
        "علامات تعذيب على المعصمين",
        "restraints",
    ),
    ("ligature marks around the neck", "علامات خنق حول الرقبة", "ligature"),
    ("severe emaciation", "هزال شديد وسوء تغذية", "emaciation"),
    ("burn marks on the chest", "اثار حروق على الصدر", "burns"),
    ("bruising on the back consistent with beating", "كدمات على الظهر نتيجة الضرب", "beating"),
    ("wounds on the soles of the feet", "جُرُوح في باطن القدمين", "falaka"),
    ("marks consistent with electric shocks", "آثار صعق كهربائي", "electric-shock"),
    ("injuries to the eyes", "إصابات في العينين", "eye-injury"),
    ("fractured fingers", "كسور في أصابع اليد", "fractures"),
    ("untreated skin infections", "التهابات جلدية غير معالجة", "infection"),
)
_OTHER: tuple[tuple[str, str, str], ...] = (
    ("body in uniform, no detainee card", "جثة بلباس عسكري دون بطاقة رقم", "uniform"),
    ("scene of an attack, damaged vehicle", "موقع هجوم وسيارة متضررة", "attack-scene"),
    ("body bag with an illegible unit label", "كيس جثة عليه ملصق وحدة غير مقروء", "body-bag"),
    ("hospital yard, no person in frame", "باحة مشفى دون أشخاص في الصورة", "scene"),
)
_NUMBERS: tuple[tuple[str, str, str], ...] = (
    ("number written on the forehead", "رقم مكتوب على الجبهة", "number-on-skin"),
    ("number card visible beside the head", "بطاقة رقم ظاهرة بجانب الرأس", "number-card"),
    ("tape with numbers on the chest", "شريط لاصق عليه أرقام على الصدر", "number-tape"),
)
_FRAME_NOTES = (
    ("close-up", "صورة مقربة", "close-up"),
    ("full-length view", "صورة كاملة للجسد", "full-length"),
    ("card partly covered", "البطاقة مغطاة جزئياً", "card-covered"),
)


def findings(rng: Random, custody: bool, arabic: bool) -> tuple[str, list[str]]:
    """Findings text for one body and its tags; the frame note is added per row."""
    bank = _CUSTODY if custody else _OTHER
    picked = rng.sample(bank, k=rng.randint(1, 3) if custody else 1)
    if custody:
        picked.append(rng.choice(_NUMBERS))
    column = 1 if arabic else 0
    joiner = "، " if arabic else "; "
    return joiner.join(p[column] for p in picked), sorted({p[2] for p in picked})


def frame_note(rng: Random, arabic: bool) -> tuple[str, str]:
    """An optional per-frame remark, so frames of one body are not textually identical."""
    note = rng.choice(_FRAME_NOTES)
    return (note[1] if arabic else note[0]), note[2]
