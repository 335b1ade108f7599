"""How things are said, and the deterministic cues every turn relies on."""

from __future__ import annotations

import re
import string
from datetime import date, datetime, time
from decimal import Decimal

import pytest

import agent.dialogue.engine  # noqa: F401  (registers every flow's prompts)
from agent.dialogue.cues import (
    is_closing,
    is_goodbye,
    is_question,
    is_upset,
    loose_phrase,
    normalize,
    ordinal_choice,
    yes_no,
)
from agent.dialogue.datetime_speech import (
    say_datetime,
    say_due,
    say_opening_hours,
    say_time,
)
from agent.dialogue.office import next_working_day
from agent.dialogue.say import say_list, say_money, say_phone
from agent.dialogue.utterance import Utterance
from agent.dialogue.values import person_name
from agent.language import pack
from agent.profile import BusinessProfile

from .conftest import BERLIN, MONDAY_9, MONDAY_22


def test_datetime_speech() -> None:
    dt = datetime(2026, 11, 24, 10, 0, tzinfo=BERLIN)
    assert say_datetime(dt, "de") == "Dienstag, den 24. November um 10 Uhr"
    assert say_datetime(dt, "en") == "Tuesday, 24 November at 10 am"
    assert say_time(time(14, 30), "de") == "14:30 Uhr"
    assert say_time(time(14, 30), "en") == "2:30 pm"
    assert say_time(time(12, 0), "en") == "12 pm"
    assert say_time(time(0, 15), "en") == "12:15 am"
    assert say_due(date(2026, 11, 23), MONDAY_9, "de") == "heute"
    assert say_due(date(2026, 11, 24), MONDAY_9, "en") == "tomorrow"
    assert say_due(date(2026, 11, 30), MONDAY_9, "de") == "am Montag, den 30. November"


def test_opening_hours_speech(profile: BusinessProfile) -> None:
    assert say_opening_hours(profile, "de") == (
        "Montag bis Donnerstag 7:30 bis 12 Uhr und 13 bis 17 Uhr und Freitag 7:30 bis 13 Uhr"
    )
    assert say_opening_hours(profile, "en").startswith("Monday to Thursday 7:30 am to 12 pm")


def test_lists_phones_money() -> None:
    assert say_list(["A", "B", "C"], "de", "or") == "A, B oder C"
    assert say_list(["A"], "en") == "A"
    assert say_phone("0171 2345678") == "0 1 7 1, 2 3 4, 5 6 7 8"
    assert say_phone("+49 89 1234560") == "0 8 9, 1 2 3, 4 5 6 0"
    assert say_phone("+43 1 23456") == "+ 4 3, 1, 2 3 4, 5 6"
    assert say_money(Decimal("23.80"), "de") == "23 Euro 80"
    assert say_money(Decimal("129"), "en") == "129 euros"


def test_next_working_day(profile: BusinessProfile) -> None:
    assert next_working_day(profile, MONDAY_9) == date(2026, 11, 23)
    assert next_working_day(profile, MONDAY_22) == date(2026, 11, 24)
    friday_evening = datetime(2026, 11, 27, 14, 0, tzinfo=BERLIN)
    assert next_working_day(profile, friday_evening) == date(2026, 11, 30)
    christmas_eve = datetime(2026, 12, 23, 18, 0, tzinfo=BERLIN)  # 24-26 are holidays
    assert next_working_day(profile, christmas_eve) == date(2026, 12, 28)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ja", True), ("Ja, genau.", True), ("passt", True), ("das stimmt", True),
        ("yes please", True), ("nein", False), ("Nein, Donnerstag", False), ("nee", False),
        ("stimmt nicht", False), ("no thanks", False), ("ja, aber nicht am Montag", False),
        ("Donnerstag", None), ("Anna Schmidt", None), ("", None),
    ],
)  # fmt: skip
def test_yes_no(text: str, expected: bool | None) -> None:
    lang = "en" if text.startswith(("yes", "no ")) else "de"
    assert yes_no(normalize(text), lang) is expected


@pytest.mark.parametrize(
    ("text", "closing"),
    [
        ("mehr brauch ich nicht", True), ("passt so", True), ("Nein, das war's.", True),
        ("alles klar danke mehr wollte ich nicht", True), ("ja gerne", False),
        ("zwei Ventile", False),
    ],
)  # fmt: skip
def test_closings_are_neither_yes_nor_no(text: str, closing: bool) -> None:
    assert is_closing(normalize(text), "de") is closing
    if closing:
        assert yes_no(normalize(text), "de") is None


@pytest.mark.parametrize(
    ("text", "first", "goodbye"),
    [
        ("Servus, ich bräucht an Termin", True, False), ("servus", True, False),
        ("Grüß Gott", True, False), ("Moin", True, False),
        ("passt scho danke servus", False, True), ("Tschüss!", False, True),
        ("nein danke pfiat di", False, True), ("Ade", False, True), ("Baba", False, True),
        ("ok dann ruf ich morgen an danke ciao", False, True),
        ("ich möchte einen Termin", False, False),
    ],
)  # fmt: skip
def test_no_greeting_ends_a_call(text: str, first: bool, goodbye: bool) -> None:
    assert is_goodbye(normalize(text), "de", first_turn=first) is goodbye


@pytest.mark.parametrize(
    ("text", "upset"),
    [
        ("Verdammt noch mal", True), ("ICH WILL SOFORT EINEN MENSCHEN", True),
        ("Hallo!!", True), ("Das ist eine Frechheit", True), ("this is ridiculous", True),
        ("Ich möchte einen Termin", False), ("OK", False), ("Es ist dringend!", False),
    ],
)  # fmt: skip
def test_upset(text: str, upset: bool) -> None:
    assert is_upset(text, "en" if text.startswith("this") else "de") is upset


def _u(text: str) -> Utterance:
    return Utterance(text, normalize(text), None, 0.0, language="de", std=text)


def test_questions_names_ordinals_phrases() -> None:
    assert is_question("wie sind ihre öffnungszeiten", "de")
    assert is_question("Ich habe eine Frage", "de")
    assert is_question("haben sie am samstag offen", "de")
    assert not is_question("weiß ich noch nicht", "de")
    assert not is_question("Anna Schmidt", "de")
    assert person_name(_u("ich heiße anna schmidt")) == "Anna Schmidt"
    assert person_name(_u("Schmidt")) == "Schmidt"
    assert person_name(_u("wie bitte")) is None
    assert person_name(_u("das weiß ich nicht")) is None
    assert ordinal_choice("den zweiten bitte", "de") == 1
    assert ordinal_choice("the last one", "en") == -1
    assert ordinal_choice("am ersten dezember", "de") is None
    assert loose_phrase("es riecht hier nach gas", "riecht nach gas")
    assert not loose_phrase("gasrohr", "rohr")


def test_every_prompt_has_both_languages_with_the_same_placeholders() -> None:
    names = string.Formatter()
    de_pack, en_pack = pack("de"), pack("en")
    assert set(de_pack.prompts) == set(en_pack.prompts)
    assert set(de_pack.cues) == set(en_pack.cues)
    for key, de in de_pack.prompts.items():
        en = en_pack.prompts[key]
        assert de.strip() and en.strip(), key
        fields_de = {f for _, f, _, _ in names.parse(de) if f}
        fields_en = {f for _, f, _, _ in names.parse(en) if f}
        assert fields_de == fields_en, key
        assert not re.search(r"[äöüß]", en), key
