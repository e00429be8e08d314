"""The redaction rules, one visible case per form a protected name takes in a text.

Every form is checked in both directions across the scripts: metadata in Latin letters
with the text in Arabic or another transliteration, and metadata in Arabic with the text
in Latin letters. A case lists the spans that must be withheld, so a leak (a form not
caught) and an over-redaction (a span too wide or too many) both fail.
"""

from __future__ import annotations

import pytest

from evidence.redaction import WITHHELD, Kind, Protected, Redaction, Redactor

CURLY = "\u2019"  # the typographic apostrophe (right single quotation mark)


def _redactor(*values: str, kind: Kind = Kind.NAME) -> Redactor:
    return Redactor(Protected(value, f"field[{i}]", kind) for i, value in enumerate(values))


def _check_withheld(redactor: Redactor, text: str, expected: list[str]) -> list[Redaction]:
    """The spans found are exactly `expected`, each at its offsets, and none reaches the
    redacted text."""
    found = redactor.find(text)
    assert [r.form for r in found] == expected
    for redaction in found:
        assert text[redaction.start : redaction.end] == redaction.form
    redacted = redactor.redact(text)
    assert redacted.count(WITHHELD) == len(expected)
    for form in expected:
        assert form not in redacted
    return found


# (protected name in the metadata, text, spans withheld)
LATIN_METADATA = [
    # other script
    pytest.param("Rana al-Ahmad", "شهدت رنا الأحمد ذلك", ["رنا الأحمد"], id="arabic-script"),
    pytest.param("Rana al-Ahmad", "شهدت رنا أحمد ذلك", ["رنا أحمد"], id="arabic-no-article"),
    pytest.param("Rana al-Ahmad", "سألنا أحمد عن الفرع", ["أحمد"], id="arabic-surname-alone"),
    pytest.param("Rana al-Ahmad", "كانت الأحمد هناك", ["الأحمد"], id="arabic-surname-article"),
    pytest.param("Mohammed Qatrannabi", "رأيت محمد قطرنبي", ["محمد قطرنبي"], id="arabic-full"),
    pytest.param("Rami Haddad", "قال رامي حداد", ["رامي حداد"], id="arabic-given-and-surname"),
    pytest.param("Fatima Haddad", "قالت فاطمة حداد", ["فاطمة حداد"], id="arabic-ta-marbuta"),
    pytest.param("Ali Haddad", "قال علي حداد", ["علي حداد"], id="arabic-one-consonant-given"),
    # other transliteration
    pytest.param("Rana al-Ahmad", "Rana Ahmed told us", ["Rana Ahmed"], id="ahmed"),
    pytest.param("Rana al-Ahmad", "Ahmed told us", ["Ahmed"], id="ahmed-surname-alone"),
    pytest.param("Mohammed Qatrannabi", "Muhammad Katranabi said", ["Muhammad Katranabi"], id="k"),
    pytest.param("Mohammed Qatrannabi", "then Katranabi left", ["Katranabi"], id="katranabi"),
    pytest.param("Mohammed Qatrannabi", "then katranabi left", ["katranabi"], id="lower-long"),
    pytest.param("Rami Haddad", "tags: hadad, detention", ["hadad"], id="lower-close"),
    pytest.param("Rana Ahmad", "tags: ahmed, detention", ["ahmed"], id="lower-close-ahmed"),
    pytest.param("Mohammed Qatrannabi", "Mohamad Qatrannabi", ["Mohamad Qatrannabi"], id="mohamad"),
    pytest.param("Rami Haddad", "Ramy Hadad was there", ["Ramy Hadad"], id="ramy-hadad"),
    pytest.param("Ali Haddad", "Aly Haddad was there", ["Aly Haddad"], id="aly"),
    pytest.param("Hamzah Haddad", "Hamza Haddad was there", ["Hamza Haddad"], id="final-h"),
    pytest.param("Wael Haddad", "Ouaël Haddad était là", ["Ouaël Haddad"], id="french-ou"),
    pytest.param("Jamil Haddad", "Djamil Haddad était là", ["Djamil Haddad"], id="french-dj"),
    pytest.param("Jamil Haddad", "Dschamil Haddad war da", ["Dschamil Haddad"], id="german-dsch"),
    pytest.param("Yusuf Haddad", "Jussuf Haddad war da", ["Jussuf Haddad"], id="german-j"),
    # article forms
    pytest.param("Rana al-Ahmad", "Rana el-Ahmad said", ["Rana el-Ahmad"], id="el"),
    pytest.param("Rana al-Ahmad", "Rana Al Ahmad said", ["Rana Al Ahmad"], id="Al-space"),
    pytest.param("Rana al-Ahmad", "Rana Al-Ahmad said", ["Rana Al-Ahmad"], id="Al-hyphen"),
    pytest.param("Rana al-Ahmad", "Rana Alahmad said", ["Rana Alahmad"], id="fused"),
    pytest.param("Rana al-Ahmad", "Rana Ahmad said", ["Rana Ahmad"], id="no-article"),
    pytest.param("Rana Ahmad", "Rana al-Ahmad said", ["Rana al-Ahmad"], id="article-added"),
    pytest.param("Rana al-Ahmad", "then Alahmad said", ["Alahmad"], id="fused-surname"),
    pytest.param("Nasr al-Din", "Nasr ad-Din said", ["Nasr ad-Din"], id="sun-letter"),
    # hyphen and space variants
    pytest.param("Abdul-Rahman Haddad", "Abdul Rahman Haddad", ["Abdul Rahman Haddad"], id="-/ "),
    pytest.param("Abdul Rahman Haddad", "Abdul-Rahman Haddad", ["Abdul-Rahman Haddad"], id=" /-"),
    pytest.param("Rana al-Ahmad", "Rana al Ahmad said", ["Rana al Ahmad"], id="article-space"),
    pytest.param("Mohammed Qatrannabi", "a Qatran-Nabi son", ["Qatran-Nabi"], id="split-hyphen"),
    pytest.param("Mohammed Qatrannabi", "a Qatran Nabi son", ["Qatran Nabi"], id="split-space"),
    pytest.param("Rana Qatran-Nabi", "a Qatrannabi son", ["Qatrannabi"], id="joined"),
    pytest.param("Nasr al-Din", "Nasreddine said", ["Nasreddine"], id="joined-article"),
    # possessive
    pytest.param("Rami Haddad", "Rami Haddad's house", ["Rami Haddad"], id="possessive"),
    pytest.param(
        "Rami Haddad", f"Rami Haddad{CURLY}s house", ["Rami Haddad"], id="possessive-curly"
    ),
    pytest.param("Rami Haddad", "the Haddad's house", ["Haddad"], id="surname-possessive"),
    pytest.param("Rami", "Rami's brother", ["Rami"], id="single-name-possessive"),
    pytest.param("Rami", f"Rami{CURLY}s brother", ["Rami"], id="single-name-possessive-curly"),
    # surname alone, given name beside another part
    pytest.param("Rami Haddad", "then Haddad spoke", ["Haddad"], id="surname-alone"),
    pytest.param("Rami Haddad", "then HADDAD spoke", ["HADDAD"], id="surname-capitals"),
    pytest.param("Rami Haddad", "then al-Haddad spoke", ["al-Haddad"], id="surname-article"),
    pytest.param("Rami Haddad", "Haddad, Rami spoke", ["Haddad, Rami"], id="reversed-comma"),
    pytest.param("Rami Haddad", "Haddad-Rami spoke", ["Haddad-Rami"], id="reversed-hyphen"),
    pytest.param("Rami Khaled Haddad", "Rami Khaled said", ["Rami Khaled"], id="given-father"),
    pytest.param("Rami Haddad", "rami haddad said", ["rami haddad"], id="lower-case-exact"),
    pytest.param("Rana al-Ahmad", "RANA AL-AHMAD said", ["RANA AL-AHMAD"], id="capitals"),
    pytest.param("Rami Khaled Haddad", "Rami bin Khaled said", ["Rami bin Khaled"], id="bin"),
    pytest.param("Rami Khaled Haddad", "قال رامي بن خالد", ["رامي بن خالد"], id="arabic-bin"),
    pytest.param("Rana Issa", "قالت عيسى", ["عيسى"], id="alef-maqsura-surname"),
    pytest.param("Rana Said", "Said told us", ["Said"], id="surname-that-is-a-word"),
    # kunya
    pytest.param("Abu Rami", "Abu Rami was there", ["Abu Rami"], id="kunya"),
    pytest.param("Abu Rami", "Abou Rami was there", ["Abou Rami"], id="kunya-abou"),
    pytest.param("Abu Rami", "Abu-Rami was there", ["Abu-Rami"], id="kunya-hyphen"),
    pytest.param("Abu Rami", "كان أبو رامي هناك", ["أبو رامي"], id="kunya-arabic"),
    pytest.param("Abu Rami", "كان ابو رامي هناك", ["ابو رامي"], id="kunya-arabic-bare-alef"),
    pytest.param("Abu Rami", "Rami's son", ["Rami"], id="kunya-possessive"),
    pytest.param("Abu Rami", f"Rami{CURLY}s son", ["Rami"], id="kunya-possessive-curly"),
    # Arabic proclitics
    pytest.param("Rana al-Ahmad", "ورنا الأحمد", ["ورنا الأحمد"], id="wa"),
    pytest.param("Rana al-Ahmad", "قلت لرنا الأحمد", ["لرنا الأحمد"], id="li"),
    pytest.param("Rana al-Ahmad", "التقينا بالأحمد", ["بالأحمد"], id="bi-al"),
    pytest.param("Rami Haddad", "قلت لرامي حداد", ["لرامي حداد"], id="li-given"),
    # Abd compounds
    pytest.param("Abdul Rahman Haddad", "Abdulrahman Haddad", ["Abdulrahman Haddad"], id="abd"),
    pytest.param("Abdul Rahman Haddad", "then Abdulrahman came", ["Abdulrahman"], id="abd-fused"),
    pytest.param("Abdul Rahman Haddad", "then Abdel Rahman came", ["Abdel Rahman"], id="abdel"),
    pytest.param("Abdul Rahman Haddad", "Abd ar-Rahman came", ["Abd ar-Rahman"], id="abd-ar"),
    pytest.param("Abdul Rahman Haddad", "جاء عبد الرحمن", ["عبد الرحمن"], id="abd-arabic"),
    pytest.param("Abdul Rahman Haddad", "جاء عبدالرحمن", ["عبدالرحمن"], id="abd-arabic-fused"),
    pytest.param("Abdulrahman", "Abdul Rahman came", ["Abdul Rahman"], id="abd-split"),
    pytest.param("Abdulrahman", "جاء عبدالرحمن", ["عبدالرحمن"], id="abd-single-arabic"),
    pytest.param("Abdulrahman", "جاء عبد الرحمن", ["عبد الرحمن"], id="abd-single-split"),
]

ARABIC_METADATA = [
    # the cases of the issue
    pytest.param("رنا الأحمد", "Rana al-Ahmad said", ["Rana al-Ahmad"], id="issue-al"),
    pytest.param("رنا الأحمد", "Rana Alahmad said", ["Rana Alahmad"], id="issue-fused"),
    pytest.param("رنا الأحمد", "قالت رنا أحمد", ["رنا أحمد"], id="issue-no-article"),
    pytest.param("رنا الأحمد", "قال أحمد", ["أحمد"], id="issue-surname-no-article"),
    # other script and transliteration
    pytest.param("رنا الأحمد", "Rana Ahmed said", ["Rana Ahmed"], id="ahmed"),
    pytest.param("رنا الأحمد", "then Ahmed said", ["Ahmed"], id="surname-latin"),
    pytest.param("رنا الأحمد", "then el-Ahmad said", ["el-Ahmad"], id="surname-el"),
    pytest.param("رنا الأحمد", "Rana Al Ahmad said", ["Rana Al Ahmad"], id="Al-space"),
    pytest.param("رنا الأحمد", "Ahmad, Rana said", ["Ahmad, Rana"], id="reversed"),
    pytest.param("رنا الأحمد", "قال الأحمد، رنا", ["الأحمد، رنا"], id="reversed-arabic-comma"),
    pytest.param("رنا الأحمد", "قالت رَنا الأَحمد", ["رَنا الأَحمد"], id="tashkeel"),
    pytest.param("رنا الأحمد", "قالت رنـــا الأحمـد", ["رنـــا الأحمـد"], id="tatweel"),
    pytest.param("رامي بن خالد", "Rami bin Khaled said", ["Rami bin Khaled"], id="bin"),
    pytest.param("رامي خالد الحداد", "Rami ibn Khaled said", ["Rami ibn Khaled"], id="ibn"),
    pytest.param("عيسى", "then Issa left", ["Issa"], id="alef-maqsura-single"),
    pytest.param("محمد قطرنبي", "Mohammed Qatrannabi", ["Mohammed Qatrannabi"], id="q"),
    pytest.param("محمد قطرنبي", "Muhammad Katranabi", ["Muhammad Katranabi"], id="k"),
    pytest.param("محمد قطرنبي", "then Katranabi left", ["Katranabi"], id="k-surname"),
    pytest.param("محمد قطرنبي", "a Qatran-Nabi son", ["Qatran-Nabi"], id="split-hyphen"),
    pytest.param("فاطمة حداد", "Fatima Haddad said", ["Fatima Haddad"], id="ta-marbuta"),
    pytest.param("وائل حداد", "Ouaël Haddad était là", ["Ouaël Haddad"], id="french-ou"),
    pytest.param("يوسف حداد", "Jussuf Haddad war da", ["Jussuf Haddad"], id="german-j"),
    pytest.param("رنا العلي", "then Ali left", ["Ali"], id="one-consonant-surname"),
    pytest.param("رنا العلي", "ثم ذهب علي", ["علي"], id="one-consonant-arabic"),
    pytest.param("رنا العلي", "ثم ذهب وعلي", ["وعلي"], id="one-consonant-proclitic"),
    pytest.param("رنا العلي", "التقينا بالعلي", ["بالعلي"], id="one-consonant-proclitic-article"),
    pytest.param("رنا العلي", "قلت للعلي", ["للعلي"], id="one-consonant-li-al"),
    pytest.param("وائل العلي", "ثم ذهب وعلي", ["وعلي"], id="strongest-part-wins"),
    pytest.param("سامر عيسى", "التقينا بالعيسى", ["بالعيسى"], id="maqsura-proclitic-article"),
    pytest.param("كفاح الحداد", "Kifah al-Haddad said", ["Kifah al-Haddad"], id="kifah"),
    pytest.param("سلمى", "then Salma left", ["Salma"], id="maqsura-single"),
    pytest.param("سلمى", "ثم ذهبت سلمي", ["سلمي"], id="maqsura-as-yeh"),
    # possessive
    pytest.param("رامي حداد", "the Haddad's house", ["Haddad"], id="possessive"),
    pytest.param("رامي حداد", f"Rami Haddad{CURLY}s house", ["Rami Haddad"], id="possessive-curly"),
    # kunya
    pytest.param("أبو رامي", "Abu Rami was there", ["Abu Rami"], id="kunya"),
    pytest.param("أبو رامي", "Rami's son", ["Rami"], id="kunya-possessive"),
    # proclitics
    pytest.param("رنا الأحمد", "قلت لرنا الأحمد", ["لرنا الأحمد"], id="li"),
    pytest.param("رنا الأحمد", "ورنا أحمد", ["ورنا أحمد"], id="wa-no-article"),
    pytest.param("رنا الأحمد", "التقينا بالأحمد", ["بالأحمد"], id="bi-al"),
    # Abd compounds
    pytest.param("عبد الرحمن الخطيب", "Abdulrahman al-Khatib", ["Abdulrahman al-Khatib"], id="a"),
    pytest.param("عبد الرحمن الخطيب", "then Abdul Rahman came", ["Abdul Rahman"], id="abdul"),
    pytest.param("عبد الرحمن الخطيب", "then Abdulrahman came", ["Abdulrahman"], id="fused"),
    pytest.param("عبد الرحمن الخطيب", "جاء عبدالرحمن", ["عبدالرحمن"], id="arabic-fused"),
    pytest.param("عبد الرحمن الخطيب", "then Khatib came", ["Khatib"], id="surname"),
    pytest.param("عبد الرحمن الخطيب", "then Alkhatib came", ["Alkhatib"], id="surname-fused"),
    pytest.param("عبد الرحمن الخطيب", "then El-Khateeb came", ["El-Khateeb"], id="el-khateeb"),
    pytest.param("عبدالرحمن", "then Abdul-Rahman came", ["Abdul-Rahman"], id="fused-metadata"),
]


@pytest.mark.parametrize(("name", "text", "expected"), LATIN_METADATA)
def test_latin_metadata_name_is_withheld_in_every_form(
    name: str, text: str, expected: list[str]
) -> None:
    _check_withheld(_redactor(name), text, expected)


@pytest.mark.parametrize(("name", "text", "expected"), ARABIC_METADATA)
def test_arabic_metadata_name_is_withheld_in_every_form(
    name: str, text: str, expected: list[str]
) -> None:
    _check_withheld(_redactor(name), text, expected)


# (protected name, text, spans withheld, near misses reported)
GIVEN_NAME_ALONE = [
    pytest.param("Rana al-Ahmad", "Rana came later", [], ["Rana"], id="latin"),
    pytest.param("Rana al-Ahmad", "جاءت رنا لاحقا", [], ["رنا"], id="latin-metadata-arabic-text"),
    pytest.param("Rana al-Ahmad", "قلت لرنا", [], ["لرنا"], id="proclitic"),
    pytest.param("رنا الأحمد", "Rana came later", [], ["Rana"], id="arabic-metadata-latin-text"),
    pytest.param("رنا الأحمد", "جاءت رنا لاحقا", [], ["رنا"], id="arabic"),
    pytest.param("Mohammed Qatrannabi", "Muhammad came", [], ["Muhammad"], id="other-spelling"),
    pytest.param("Ali Haddad", "Ali came", [], ["Ali"], id="one-consonant"),
    pytest.param("Ali Haddad", "جاء علي", [], ["علي"], id="one-consonant-arabic"),
    pytest.param("Abdul Rahman Haddad", "Rahman came", [], ["Rahman"], id="middle-part"),
    pytest.param("Abu Rami", "Abu came", [], ["Abu"], id="kunya-prefix"),
    pytest.param("Rami Haddad", "Rami and Haddad", ["Haddad"], ["Rami"], id="not-adjacent"),
]


@pytest.mark.parametrize(("name", "text", "withheld", "near"), GIVEN_NAME_ALONE)
def test_a_given_name_alone_is_a_near_miss_not_a_redaction(
    name: str, text: str, withheld: list[str], near: list[str]
) -> None:
    """Given names are shared by thousands: alone, one is for a person to confirm."""
    redactor = _redactor(name)
    _check_withheld(redactor, text, withheld)
    misses = redactor.near_misses(text)
    assert [m.form for m in misses] == near
    assert all("alone" in m.reason for m in misses)


def test_redactions_name_their_rule_form_offsets_and_protected_value() -> None:
    witness = Protected("Rana al-Ahmad", "witness_name")
    brother = Protected("كفاح الحداد", "persons[1].name")
    redactor = Redactor([witness, brother])
    text = f"Rana al-Ahmad{CURLY}s brother Kifah Haddad; later رنا أحمد and Ahmed alone."
    found = _check_withheld(redactor, text, ["Rana al-Ahmad", "Kifah Haddad", "رنا أحمد", "Ahmed"])
    assert [(r.rule, r.protected) for r in found] == [
        ("full name, as written", witness),
        ("full name, other script", brother),
        ("full name, other script", witness),
        ("surname, other spelling", witness),
    ]
    assert [(r.start, r.end) for r in found] == [(0, 13), (24, 36), (44, 52), (57, 62)]
    assert redactor.redact(text) == (
        f"[withheld]{CURLY}s brother [withheld]; later [withheld] and [withheld] alone."
    )


@pytest.mark.parametrize(
    ("protected", "text", "rule"),
    [
        pytest.param(
            Protected("Rami Haddad", "w"), "Rami Haddad", "full name, as written", id="full"
        ),
        pytest.param(
            Protected("Rami Khaled Haddad", "w"),
            "Rami Khaled",
            "partial name, as written",
            id="partial",
        ),
        pytest.param(
            Protected("Rami Haddad", "w"), "Hadad", "surname, other spelling", id="surname"
        ),
        pytest.param(Protected("رامي حداد", "w"), "Haddad", "surname, other script", id="script"),
        pytest.param(Protected("Rami", "w"), "رامي", "single name, other script", id="single"),
        pytest.param(
            Protected("Kafr Sousa", "w", Kind.PLACE),
            "Kafr Sousa",
            "full name, as written",
            id="place",
        ),
        pytest.param(
            Protected("+963 944 123 456", "w", Kind.CONTACT),
            "963944123456",
            "contact",
            id="contact",
        ),
    ],
)
def test_the_rule_says_how_a_span_matched(protected: Protected, text: str, rule: str) -> None:
    [redaction] = Redactor([protected]).find(text)
    assert (redaction.rule, redaction.protected, redaction.form) == (rule, protected, text)


def test_overlapping_spans_of_two_protected_values_are_withheld_once() -> None:
    redactor = Redactor([Protected("Rana al-Ahmad", "witness_name"), Protected("Ahmad", "alias")])
    [redaction] = redactor.find("Rana al-Ahmad spoke")
    assert (redaction.form, redaction.protected.field) == ("Rana al-Ahmad", "witness_name")
    assert redactor.redact("Rana al-Ahmad spoke") == "[withheld] spoke"


# (contact, text, spans withheld)
CONTACTS = [
    pytest.param(
        "+963 944 123 456", "call +963-944-123-456 now", ["963-944-123-456"], id="hyphens"
    ),
    pytest.param("+963 944 123 456", "call (963) 944.123.456 now", ["963) 944.123.456"], id="dots"),
    pytest.param("+963 944 123 456", "call +963944123456 now", ["963944123456"], id="none"),
    pytest.param("+963 944 123 456", "call 963/944/123/456 now", ["963/944/123/456"], id="slashes"),
    pytest.param("+963944123456", "call +963 944 123 456", ["963 944 123 456"], id="spaced"),
    pytest.param(
        "+963 944 123 456", "رقمه ٩٦٣ ٩٤٤ ١٢٣ ٤٥٦", ["٩٦٣ ٩٤٤ ١٢٣ ٤٥٦"], id="arabic-digits"
    ),
    pytest.param("+٩٦٣ ٩٤٤ ١٢٣ ٤٥٦", "call 963-944-123-456", ["963-944-123-456"], id="from-arabic"),
    pytest.param(
        "rana.ahmad@example.org",
        "mail RANA.AHMAD@example.org",
        ["RANA.AHMAD@example.org"],
        id="mail",
    ),
    pytest.param("+963 944 123 456", "call +963 944 123 457 now", [], id="other-number"),
]


@pytest.mark.parametrize(("contact", "text", "expected"), CONTACTS)
def test_contacts_are_withheld_whatever_separates_them(
    contact: str, text: str, expected: list[str]
) -> None:
    _check_withheld(_redactor(contact, kind=Kind.CONTACT), text, expected)


# (place, text, spans withheld)
PLACES = [
    pytest.param("Kafr Sousa", "taken in Kafr Sousa at night", ["Kafr Sousa"], id="latin"),
    pytest.param("Kafr Sousa", "اعتقل في كفر سوسة ليلا", ["كفر سوسة"], id="latin-arabic"),
    pytest.param("Kafr Sousa", "taken in Kafr Souseh", ["Kafr Souseh"], id="other-spelling"),
    pytest.param("كفر سوسة", "taken in Kafr Sousa", ["Kafr Sousa"], id="arabic-latin"),
    pytest.param("Kafr Sousa", "taken in Sousa", [], id="part-alone"),
    pytest.param("Kafr Sousa", "taken in Kafr Batna", [], id="first-part-alone"),
    pytest.param("كفر سوسة", "اعتقل في سوسة", [], id="arabic-part-alone"),
]


@pytest.mark.parametrize(("place", "text", "expected"), PLACES)
def test_protected_places_are_withheld_only_as_a_whole(
    place: str, text: str, expected: list[str]
) -> None:
    _check_withheld(_redactor(place, kind=Kind.PLACE), text, expected)


def test_part_of_a_place_is_a_near_miss() -> None:
    redactor = _redactor("Kafr Sousa", kind=Kind.PLACE)
    [miss] = redactor.near_misses("taken in Sousa")
    assert (miss.form, miss.reason) == ("Sousa", "'sousa' alone, not the whole place name")


# (protected name, text, near miss form, reason starts with)
NEAR_MISSES = [
    pytest.param(
        "Rami Haddad", "the haddadi notes", "haddadi", "lower-case word", id="lower-case-key"
    ),
    pytest.param(
        "Mohammed Qatrannabi", "then Qatranaki left", "Qatranaki", "one letter", id="one-off"
    ),
    pytest.param(
        "محمد قطرنبي", "then Qatranaki left", "Qatranaki", "one letter", id="one-off-arabic"
    ),
    pytest.param(
        "Mohammed Qatrannabi", "ثم غادر قطرنكي", "قطرنكي", "one letter", id="one-off-in-arabic"
    ),
    pytest.param("Rana al-Ahmad", "Rana left", "Rana", "'rana' alone", id="given-alone"),
    pytest.param("Wael al-Homsi", "taken to Homs", "Homs", "the key of 'homsi'", id="nisba"),
    pytest.param("Rami Haddad", "Sami Haddadi", "Haddadi", "the key of 'haddad'", id="nisba-of"),
]


@pytest.mark.parametrize(("name", "text", "form", "reason"), NEAR_MISSES)
def test_near_misses_are_reported_with_their_reason(
    name: str, text: str, form: str, reason: str
) -> None:
    protected = Protected(name, "witness_name")
    redactor = Redactor([protected])
    assert redactor.find(text) == []
    [miss] = redactor.near_misses(text)
    assert (miss.form, miss.protected) == (form, protected)
    assert miss.reason.startswith(reason)
    assert text[miss.start : miss.end] == form


def test_withheld_words_are_not_near_misses() -> None:
    redactor = _redactor("Rana al-Ahmad")
    text = "Rana al-Ahmad, رنا الأحمد and Ahmed; then Rana alone."
    assert [m.form for m in redactor.near_misses(text)] == ["Rana"]


# (protected names, public text that must come out unchanged)
UNTOUCHED = [
    pytest.param(
        ("Rami Haddad",), "he had a head wound and they ran to iran", id="had-head-ran-iran"
    ),
    pytest.param(("Rana Haddad",), "he had a head wound and they ran to iran", id="rana-haddad"),
    pytest.param(("Ahmad Rana",), "they ran to iran in the rain", id="rana-surname"),
    pytest.param(("Khaled Haddad",), "he was called in and had a cold", id="called-cold"),
    pytest.param(("Rana Ahmad",), "a humid cell, hooded", id="humid"),
    pytest.param(("Rana Said",), "the guard said so", id="said"),
    pytest.param(("Rana al-Omar",), "Mr Khaled said More than that", id="mr-more-omar"),
    pytest.param(("Rana Ahmad",), "the ahmadi family", id="lower-nisba"),
    pytest.param(("Ali Haddad",), "هذا أحد المعتقلين، بهذه الطريقة", id="arabic-function-words"),
    pytest.param(("رنا العلي",), "جلس على الكرسي لي ولي", id="ala-is-not-ali"),
    pytest.param(
        ("Rami Haddad",), "Had they known, Head of Branch 215 said", id="capitalised-common"
    ),
    pytest.param(("Doaa Eissa",), "Das Haus der Familie", id="german"),
    pytest.param(("رامي حداد",), "هذا أحد المعتقلين", id="arabic-skeletons-differ"),
    pytest.param(("Rana al-Ali",), "خرجوا ليلاً وعلى الطريق عَلَى عجل", id="ala-laylan"),
    pytest.param(("Wael al-Homsi",), "taken to Homs, نقلوا إلى حمص", id="nisba-is-not-the-city"),
    pytest.param(("وائل الحمصي",), "taken to Homs, نقلوا إلى حمص", id="arabic-nisba-city"),
    pytest.param(
        ("Rana al-Ahmad", "Rami Haddad", "Abu Rami", "Kafr Sousa"),
        "The detainees were moved from Branch 215 to Saydnaya prison in March 2013.",
        id="unrelated-public-text",
    ),
    pytest.param(
        ("رنا الأحمد", "عبد الرحمن الخطيب"),
        "نُقل المعتقلون من الفرع 215 إلى سجن صيدنايا في آذار 2013.",
        id="unrelated-arabic-text",
    ),
]


@pytest.mark.parametrize(("names", "text"), UNTOUCHED)
def test_common_words_sharing_a_key_stay_when_alone(names: tuple[str, ...], text: str) -> None:
    redactor = _redactor(*names)
    assert redactor.find(text) == []
    assert redactor.redact(text) == text


def test_an_empty_redactor_changes_nothing() -> None:
    text = "Rana al-Ahmad and رنا الأحمد at +963 944 123 456"
    for redactor in (Redactor([]), _redactor("", "   ")):
        assert not redactor
        assert redactor.find(text) == []
        assert redactor.redact(text) == text
        assert redactor.redact(text) == text
        assert redactor.near_misses(text) == []


def test_empty_and_wordless_texts() -> None:
    redactor = _redactor("Rana al-Ahmad")
    assert redactor
    for text in ("", "   ", "— ... —", "215"):
        assert redactor.find(text) == []
        assert redactor.redact(text) == text
        assert redactor.near_misses(text) == []
