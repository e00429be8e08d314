"""An error's message is its English sentence for logs and programs, and keeps what it
needs to be written in the reader's language on a page."""

from __future__ import annotations

import json

import pytest

from evidence.dates import parse_fuzzy_date
from evidence.errors import N_, InvalidRequest, Message, NotFound

ARABIC = {
    "No record %(id)s.": "لا يوجد سجل بالمعرّف %(id)s.",
    "'%(text)s' has month %(month)s": "«%(text)s»: لا يوجد شهر رقمه %(month)s",
    "'%(text)s' is not a range START/END of dates: %(error)s": "«%(text)s» ليس مدة: %(error)s",
}


def _arabic(template: str) -> str:
    return ARABIC.get(template, template)


def test_str_is_the_english_sentence_and_translated_the_readers() -> None:
    error = NotFound(N_("No record %(id)s."), id="abc%s")
    assert str(error) == "No record abc%s." and f"{error}" == "No record abc%s."
    assert json.dumps({"detail": str(error)}) == '{"detail": "No record abc%s."}'
    assert error.translated(_arabic) == "لا يوجد سجل بالمعرّف abc%s."


def test_a_plain_string_still_works_and_is_never_formatted() -> None:
    error = InvalidRequest(f"{100}% of {'%(x)s'}")
    assert str(error) == "100% of %(x)s" == error.translated(_arabic)


def test_a_date_error_nests_its_cause_and_both_are_translated() -> None:
    with pytest.raises(ValueError, match="has month 13") as raised:
        parse_fuzzy_date("2012/2013-13")
    message = raised.value.args[0]
    assert isinstance(message, Message)
    english = "'2012/2013-13' is not a range START/END of dates: '2013-13' has month 13"
    assert str(message) == english
    assert message.translated(_arabic) == "«2012/2013-13» ليس مدة: «2013-13»: لا يوجد شهر رقمه 13"


def test_a_worded_message_keeps_a_third_partys_english() -> None:
    message = Message.worded("Input should be a valid integer", N_("should be a whole number"), {})
    assert str(message) == "Input should be a valid integer"
    assert message.translated(lambda _: "يجب أن تكون عددًا صحيحًا") == "يجب أن تكون عددًا صحيحًا"
