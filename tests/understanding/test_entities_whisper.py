"""Whisper writes digits and punctuation where Vosk writes words: the entities are the same.

Each case is one thing a caller says, as Vosk hears it (lower case words) and as Whisper
writes it ("am 10.12. um 14:30", "0171/2345678", "15.000 €"); both must give the same
entity value.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from agent.understanding.entities import Entity, extract_entities
from agent.understanding.entities.numbers import digits_value, number_value

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=BERLIN)  # Monday 10:00
OFFICE = (time(8, 0), time(18, 0))


def iso(day: str, clock: str = "00:00") -> str:
    return f"{day}T{clock}:00+01:00"


def found(text: str, kind: str, language: str = "de") -> list[Entity]:
    entities = [e for e in extract_entities(text, language, MONDAY, OFFICE) if e.entity == kind]
    for e in entities:
        assert text[e.start : e.end] == e.text
    return entities


def one(text: str, kind: str, language: str = "de") -> Entity:
    entities = found(text, kind, language)
    assert len(entities) == 1, (text, entities)
    return entities[0]


# (Vosk, Whisper, value)
DE_TIMES = [
    ("am zehnten zwölften um vierzehn uhr dreißig", "Am 10.12. um 14:30.",
     iso("2026-12-10", "14:30")),
    ("am zehnten zwölften um vierzehn uhr dreißig", "am 10.12. um 14.30 Uhr",
     iso("2026-12-10", "14:30")),
    ("am zehnten zwölften um vierzehn uhr dreißig", "Am 10.12 um 14:30",
     iso("2026-12-10", "14:30")),
    ("dienstag zehn uhr", "Dienstag, 10 Uhr.", iso("2026-11-24", "10:00")),
    ("am dienstag um zehn uhr", "Ich hätte gerne einen Termin am Dienstag um 10 Uhr.",
     iso("2026-11-24", "10:00")),
    ("um neun uhr dreißig", "Um 9.30 Uhr.", iso("2026-11-24", "09:30")),
    ("morgen um halb zehn", "Morgen um 9.30.", iso("2026-11-24", "09:30")),
    ("am dienstag um halb zehn", "Am Dienstag um halb 10.", iso("2026-11-24", "09:30")),
    ("um viertel nach acht", "Um Viertel nach 8.", iso("2026-11-24", "08:15")),
    ("heute um achtzehn uhr", "Heute um 18.00 Uhr.", iso("2026-11-23", "18:00")),
    ("am dritten zwölften um acht uhr", "Der Termin am 03.12. um 08:00 Uhr.",
     iso("2026-12-03", "08:00")),
    ("am zehnten dezember um vierzehn uhr", "Am 10. Dezember um 14 Uhr.",
     iso("2026-12-10", "14:00")),
    ("freitag den dreizehnten um elf uhr", "Am Freitag, dem 13., um 11 Uhr.",
     iso("2026-12-13", "11:00")),
    ("dienstag den zehnten um zehn", "Am Dienstag, den 10., um 10.", iso("2026-12-10", "10:00")),
    ("in zwei stunden", "In 2 Stunden.", iso("2026-11-23", "12:00")),
    ("nächsten mittwoch um sechzehn uhr", "Nächsten Mittwoch um 16 Uhr.",
     iso("2026-11-25", "16:00")),
]  # fmt: skip


@pytest.mark.parametrize(("vosk", "whisper", "value"), DE_TIMES)
def test_german_times_in_words_and_in_digits(vosk: str, whisper: str, value: str) -> None:
    assert one(vosk, "time").value == value
    assert one(whisper, "time").value == value


def test_a_date_without_its_last_dot_is_no_clock_time() -> None:
    assert one("um 10.12 bitte", "time").value == iso("2026-11-23", "10:12")  # a time
    assert one("den 9.30 Uhr", "time").value == iso("2026-11-24", "09:30")  # no month 30


DE_PHONES = [
    ("null eins sieben eins zwei drei vier fünf sechs sieben acht", "0171 2345678",
     "01712345678"),
    ("null eins sieben eins zwei drei vier fünf sechs sieben acht", "0171/2345678",
     "01712345678"),
    ("null acht neun eins zwei drei vier fünf sechs sieben", "089-1234567", "0891234567"),
    ("plus neun und vierzig eins sieben eins zwei drei vier fünf sechs sieben acht",
     "+49 171 2345678", "+491712345678"),
    ("null eins sieben eins zwei drei vier fünf sechs sieben acht", "0171-234 56 78",
     "01712345678"),
    ("null eins sieben eins zwei drei vier fünf sechs sieben acht",
     "0 1 7 1, 2 3 4 5 6 7 8", "01712345678"),
    ("null acht neun eins zwei drei vier fünf sechs sieben", "(089) 123-4567", "0891234567"),
    ("null eins fünf eins zwei drei vier fünf sechs sieben acht neun",
     "0151 / 234 567 89", "015123456789"),
]  # fmt: skip


@pytest.mark.parametrize(("vosk", "whisper", "value"), DE_PHONES)
def test_german_phone_numbers_in_words_and_in_digits(vosk: str, whisper: str, value: str) -> None:
    assert one(f"meine nummer ist {vosk}", "phone_number").value == value
    entity = one(f"Meine Nummer ist {whisper}.", "phone_number")
    assert entity.value == value and entity.text == whisper


def test_an_address_in_digits_is_no_phone_number() -> None:
    assert found("Ich wohne in der Lindwurmstraße 12, 80331 München.", "phone_number") == []
    assert found("Lindwurmstr. 12, 80331 München", "phone_number") == []
    # a phone number after the house number is still one
    assert one("Hauptstraße 5, 0171 2345678", "phone_number").value == "01712345678"
    assert (
        one("hauptstraße null eins sieben eins zwei drei vier fünf sechs", "phone_number").value
        == "017123456"
    )


DE_QUANTITIES = [
    ("drei stück", "Ich brauche 3 Stück.", "3 stück"),
    ("zehn meter", "Zweitens 10 Meter Kabel.", "10 meter"),
    ("zwei kartons", "Ich möchte 2 Kartons.", "2 karton"),
    ("zweieinhalb meter", "Ich brauche 2,5 Meter.", "2.5 meter"),
    ("tausend schrauben", "Ich brauche 1.000 Schrauben.", "1000"),
    ("tausendfünfhundert stück", "Ich brauche 1.500 Stück.", "1500 stück"),
    ("fünfzehntausend liter", "Ich brauche 15.000 Liter Heizöl.", "15000 liter"),
    ("zwanzig rohrschellen", "Ich brauche 20 Rohrschellen.", "20"),
]  # fmt: skip


@pytest.mark.parametrize(("vosk", "whisper", "value"), DE_QUANTITIES)
def test_german_quantities_in_words_and_in_digits(vosk: str, whisper: str, value: str) -> None:
    assert one(f"ich brauche {vosk}", "quantity").value == value
    assert one(whisper, "quantity").value == value


@pytest.mark.parametrize(
    "text",
    [
        "Das Angebot war 15.000 €.",
        "Das kostet 15.000 Euro.",
        "Das sind 10 % mehr.",
        "Bis 8.000 Euro.",
        "Zweitens wollte ich noch fragen.",
        "Erstens das Rohr, zweitens die Heizung.",
    ],
)
def test_money_percent_and_enumerations_are_no_quantities(text: str) -> None:
    assert found(text, "quantity") == []
    assert found(text, "time") == []
    assert found(text, "phone_number") == []


def test_whisper_punctuation_between_entities() -> None:
    text = "Rufen Sie mich unter 0171 2345678 an, am besten ab 17 Uhr."
    assert one(text, "phone_number").value == "01712345678"
    assert one(text, "time").value == iso("2026-11-23", "17:00")
    text = "Ich brauche 3 Stück, zweitens 10 Meter Kabel, und zwar am 10.12. um 14:30."
    assert [e.value for e in found(text, "quantity")] == ["3 stück", "10 meter"]
    assert one(text, "time").value == iso("2026-12-10", "14:30")
    assert found(text, "phone_number") == []


EN_TIMES = [
    ("on december tenth at two thirty pm", "on 12/10 at 2:30 pm", iso("2026-12-10", "14:30")),
    ("on december tenth at two thirty pm", "Can I come on 12/10 at 2:30 p.m.?",
     iso("2026-12-10", "14:30")),
    ("at ten am", "at 10 a.m.", iso("2026-11-24", "10:00")),
    ("tuesday at ten am", "Tuesday, 10 a.m.", iso("2026-11-24", "10:00")),
    ("at nine thirty", "at 9.30", iso("2026-11-24", "09:30")),
    ("at nine thirty am", "9.30am", iso("2026-11-24", "09:30")),
    ("on the twenty fifth of december", "on 25/12", iso("2026-12-25")),
    ("december tenth", "On Tuesday, 10th December.", iso("2026-12-10")),
    ("december tenth at two pm", "12/10/2026 at 2 PM", iso("2026-12-10", "14:00")),
]  # fmt: skip


@pytest.mark.parametrize(("spoken", "whisper", "value"), EN_TIMES)
def test_english_times_in_words_and_in_digits(spoken: str, whisper: str, value: str) -> None:
    assert one(spoken, "time", "en").value == value
    assert one(whisper, "time", "en").value == value


def test_english_numbers_with_digits() -> None:
    assert one("My number is (089) 123-4567.", "phone_number", "en").value == "0891234567"
    assert one("My number is +49 171 2345678.", "phone_number", "en").value == "+491712345678"
    assert one("I need 1,500 pieces.", "quantity", "en").value == "1500 stück"
    assert one("I need 1,000 screws.", "quantity", "en").value == "1000"
    assert one("Secondly, I need 3 pieces.", "quantity", "en").value == "3 stück"
    assert found("It was $15,000.", "quantity", "en") == []
    # a slash without a year is a date only after "on", "for", ... ("3/4 inch" is no date)
    assert found("a 3/4 inch pipe", "time", "en") == []


def test_digits_are_read_the_way_each_language_writes_them() -> None:
    assert digits_value("15.000") == 15000 and digits_value("15,000", "en") == 15000
    assert digits_value("1.000,50") == 1000.5 and digits_value("1,000.50", "en") == 1000.5
    assert digits_value("2,5") == 2.5 and digits_value("2.5", "en") == 2.5
    assert digits_value("2.5") == 2.5  # typed with a point: still a decimal
    assert digits_value("1.500", "en") == 1.5 and digits_value("x") is None
    assert number_value("zweieinhalb") == 2.5 and number_value("1.500") == 1500
