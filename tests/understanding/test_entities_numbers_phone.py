"""Number words and phone numbers (spoken and typed), with spans into the original text."""

from __future__ import annotations

import pytest

from agent.understanding.entities.numbers import (
    CARDINALS,
    ORDINALS,
    cardinal_value,
    fraction_value,
    normalize_numbers,
    number_value,
    ordinal_value,
    text2num,
)
from agent.understanding.entities.phone import extract_phone_numbers


@pytest.mark.parametrize(
    ("word", "value"),
    [
        ("null", 0), ("eins", 1), ("ein", 1), ("zwo", 2), ("sieben", 7), ("elf", 11),
        ("zwölf", 12), ("zwoelf", 12), ("sechzehn", 16), ("siebzehn", 17), ("zwanzig", 20),
        ("dreißig", 30), ("dreissig", 30), ("zweiundvierzig", 42), ("fuenfundfuenfzig", 55),
        ("neunundneunzig", 99), ("hundert", 100), ("hundertfünfzig", 150),
        ("zweitausendsechsundzwanzig", 2026), ("17", 17), ("ZWEI", 2),
    ],
)  # fmt: skip
def test_cardinal_value(word: str, value: int) -> None:
    assert cardinal_value(word) == value


@pytest.mark.parametrize("word", ["", "eine", "einen", "halb", "termin", "zweiundzwanzigsten"])
def test_not_a_cardinal(word: str) -> None:
    assert cardinal_value(word) is None


@pytest.mark.parametrize(
    ("word", "value"),
    [
        ("ersten", 1), ("erste", 1), ("zweiten", 2), ("dritten", 3), ("siebten", 7),
        ("siebenten", 7), ("achten", 8), ("elften", 11), ("zwölften", 12), ("neunzehnten", 19),
        ("zwanzigsten", 20), ("siebenundzwanzigsten", 27), ("einunddreißigsten", 31),
        ("einunddreissigsten", 31), ("27.", 27),
    ],
)  # fmt: skip
def test_ordinal_value(word: str, value: int) -> None:
    assert ordinal_value(word) == value


def test_vocabulary_agrees_with_text2num() -> None:
    assert len(CARDINALS) > 100 and len(ORDINALS) > 150
    assert all(text2num(w, "de") == v for w, v in CARDINALS.items() if w.isascii() is False)
    assert max(ORDINALS.values()) == 31 and ordinal_value("zweiunddreißigsten") is None


@pytest.mark.parametrize(
    ("word", "value"),
    [("zweieinhalb", 2.5), ("anderthalb", 1.5), ("eineinhalb", 1.5), ("halbe", 0.5)],
)
def test_fractions(word: str, value: float) -> None:
    assert fraction_value(word) == value
    assert number_value(word) == value


def test_number_value_of_typed_decimals() -> None:
    assert number_value("2,5") == 2.5 and number_value("10") == 10.0 and number_value("x") is None


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("heute um siebzehn uhr dreißig", "heute um 17 uhr 30"),
        ("am siebenundzwanzigsten um elf uhr", "am 27. um 11 uhr"),
        ("um ein uhr ein termin", "um 1 uhr ein termin"),
        ("zweieinhalb meter und doppel null", "2,5 meter und 00"),
        ("fuenfundzwanzig kartons", "25 kartons"),
        ("", ""),
    ],
)
def test_normalize_numbers(text: str, normalised: str) -> None:
    assert normalize_numbers(text) == normalised


PHONE_CASES = [
    ("null acht neun zweiundvierzig dreiundzwanzig siebzehn", "089422317"),
    ("meine nummer ist null acht neun vier zwei zwei drei eins sieben", "089422317"),
    ("null eins fünf eins eins zwei drei vier fünf sechs sieben eins", "015112345671"),
    ("null eins sieben sechs doppel null zwölf vierunddreißig", "0176001234"),
    ("plus neun und vierzig acht neun eins zwei drei vier fünf sechs", "+4989123456"),
    ("plus neunundvierzig eins sieben zwei äh drei vier fünf sechs sieben", "+4917234567"),
    ("null null vier drei eins fünf zwei drei vier fünf sechs", "00431523456"),
    ("null acht neun vierhundertzweiundzwanzig dreiundzwanzig", "08942223"),
    ("null zwo null eins dreißig vierzig fünfzig", "0201304050"),
    ("089 / 42 23 17", "089422317"),
    ("Tel.: 089/422317", "089422317"),
    ("+49 (0)89 4223-17", "+4989422317"),
    ("+49 89 1234560", "+49891234560"),
    ("0151-12345671 bitte zurückrufen", "015112345671"),
    ("Rückruf unter 0 89 12 34 56", "089123456"),
    ("null acht neun 42 23 17", "089422317"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "digits"), PHONE_CASES)
def test_phone_numbers(text: str, digits: str) -> None:
    found = extract_phone_numbers(text)
    assert [e.value for e in found] == [digits]
    entity = found[0]
    assert text[entity.start : entity.end] == entity.text
    assert entity.text[0] not in " /-" and entity.text[-1] not in " /-"


def test_phone_span_excludes_surrounding_words() -> None:
    text = "Ja hallo, meine Nummer ist null acht neun zwei drei vier fünf, danke"
    (entity,) = extract_phone_numbers(text)
    assert entity.text == "null acht neun zwei drei vier fünf"
    assert (entity.start, entity.end) == (27, 61)


def test_two_phone_numbers() -> None:
    text = "festnetz 089 123456 oder handy 0171 9876543"
    assert [e.value for e in extract_phone_numbers(text)] == ["089123456", "01719876543"]


def test_english_phone_numbers() -> None:
    (entity,) = extract_phone_numbers("it's oh seven seven double five one two three four", "en")
    assert entity.value == "077551234"
    (plus,) = extract_phone_numbers("plus four four two zero seven nine four six", "en")
    assert plus.value == "+44207946"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "ich hätte gern zwei drei termine",
        "postleitzahl 80337",
        "am 27.11.2026 um 17:30",
        "2026-12-01",
        "zwanzig zwanzig",
        "das kostet 49 euro und 75 cent",
        "plus minus null",
        "ein zwei",
        "🙂🙂🙂 ??? ---",
        "Rechnung Nr. 2026-0815",
        "meine kundennummer ist vier fünf acht sieben drei neun",
        "26/11/2026",
    ],
)
def test_no_phone_number(text: str) -> None:
    assert extract_phone_numbers(text) == []
