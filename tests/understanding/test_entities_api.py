"""The single entry point extract_entities, the Entity record, and the English rules."""

from __future__ import annotations

import dataclasses
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from agent.understanding.entities import ENTITY_KINDS, Entity, extract_entities

BERLIN = ZoneInfo("Europe/Berlin")
SUNDAY = datetime(2026, 11, 22, 10, 0, tzinfo=BERLIN)


def test_a_whole_call_turn() -> None:
    text = (
        "ja grüß gott hier ist die frau müller ich bräucht einen termin morgen um halb neun "
        "meine nummer ist null acht neun zweiundvierzig dreiundzwanzig siebzehn und die mail "
        "ist anna punkt mueller at web punkt de"
    )
    found = extract_entities(text, "de", SUNDAY)
    assert [(e.entity, e.value) for e in found] == [
        ("person", "Frau Müller"),
        ("time", "2026-11-23T08:30:00+01:00"),
        ("phone_number", "089422317"),
        ("email", "anna.mueller@web.de"),
    ]
    for e in found:
        assert text[e.start : e.end] == e.text


def test_order_with_quantities_and_delivery_day() -> None:
    text = "wir bräuchten zwanzig säcke zement und 10 m kupferrohr bis freitag"
    found = extract_entities(text, "de", SUNDAY)
    assert [(e.entity, e.text) for e in found] == [
        ("quantity", "zwanzig säcke"),
        ("quantity", "10 m"),
        ("time", "freitag"),
    ]


def test_overlaps_go_to_the_more_specific_kind() -> None:
    # digits that could be a quantity or time are a phone number; a date is no phone number
    found = extract_entities("0171 234567 am 27.11.2026", "de", SUNDAY)
    assert [(e.entity, e.text) for e in found] == [
        ("phone_number", "0171 234567"),
        ("time", "27.11.2026"),
    ]


def test_kinds_filter() -> None:
    text = "hier ist die frau müller, morgen um zehn"
    only = extract_entities(text, "de", SUNDAY, kinds=["time"])
    assert [e.entity for e in only] == ["time"]
    assert set(ENTITY_KINDS) == {"email", "phone_number", "time", "person", "quantity"}


def test_entity_is_frozen_and_rasa_shaped() -> None:
    (entity,) = extract_entities("morgen", "de", SUNDAY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        entity.value = "x"  # type: ignore[misc]
    assert entity.to_rasa() == {
        "entity": "time",
        "value": "2026-11-23T00:00:00+01:00",
        "start": 0,
        "end": 6,
        "text": "morgen",
        "extractor": "rufbereit.datetime_de",
        "additional_info": {"grain": "day"},
    }
    assert Entity("person", "Anna", 0, 4, "anna", "x").to_rasa().get("additional_info") is None
    assert hash(entity) == hash(dataclasses.replace(entity))


def test_language_codes() -> None:
    assert extract_entities("morgen", "de-DE", SUNDAY)[0].value.startswith("2026-11-23")
    assert extract_entities("tomorrow", "en_GB", SUNDAY)[0].value.startswith("2026-11-23")
    with pytest.raises(ValueError, match="unsupported language"):
        extract_entities("demain", "fr", SUNDAY)


def test_timezone_parameter() -> None:
    found = extract_entities("morgen um zehn", "de", SUNDAY, timezone="Europe/London")
    assert found[0].value == "2026-11-23T10:00:00+00:00"


@pytest.mark.parametrize("text", ["", " ", "\n\t", "???", "äöüß", "\x00\x01", "a" * 10_000])
def test_nothing_to_find(text: str) -> None:
    assert extract_entities(text, "de", SUNDAY) == []


def test_very_long_input_is_fast_and_correct() -> None:
    sentence = "äh ja also ich wollte fragen ob morgen um halb neun noch was frei ist "
    text = sentence * 200
    found = extract_entities(text, "de", SUNDAY)
    assert found and all(text[e.start : e.end] == e.text for e in found)
    assert {e.value for e in found} == {"2026-11-23T08:30:00+01:00"}


def test_characters_that_change_length_when_lowered_keep_spans() -> None:
    text = "İstanbul Straße, Termin morgen um neun"
    (entity,) = extract_entities(text, "de", SUNDAY)
    assert entity.text == "morgen um neun"
    assert text[entity.start : entity.end] == "morgen um neun"


EN_NOW = SUNDAY
EN_CASES = [
    ("tomorrow at half past eight", "2026-11-23T08:30:00+01:00", "tomorrow at half past eight"),
    ("next tuesday at 10 am", "2026-11-24T10:00:00+01:00", "next tuesday at 10 am"),
    ("on monday at 3 pm", "2026-11-23T15:00:00+01:00", "monday at 3 pm"),
    ("today at 4:30 pm", "2026-11-22T16:30:00+01:00", "today at 4:30 pm"),
    ("the day after tomorrow at noon", "2026-11-24T12:00:00+01:00",
     "the day after tomorrow at noon"),
    ("at quarter to nine", "2026-11-23T08:45:00+01:00", "quarter to nine"),
    ("at quarter past two on friday", "2026-11-27T14:15:00+01:00", "quarter past two on friday"),
    ("ten past five tomorrow", "2026-11-23T17:10:00+01:00", "ten past five tomorrow"),
    ("at eight thirty tonight", "2026-11-22T20:30:00+01:00", "eight thirty tonight"),
    ("on the 27th at 11", "2026-11-27T11:00:00+01:00", "the 27th at 11"),
    ("november 27th", "2026-11-27T00:00:00+01:00", "november 27th"),
    ("on the third of december", "2026-12-03T00:00:00+01:00", "the third of december"),
    ("friday the twenty-seventh", "2026-11-27T00:00:00+01:00", "friday the twenty-seventh"),
    ("monday next week in the afternoon", "2026-11-23T14:00:00+01:00",
     "monday next week in the afternoon"),
    ("next week", "2026-11-23T00:00:00+01:00", "next week"),
    ("in two hours", "2026-11-22T12:00:00+01:00", "in two hours"),
    ("in half an hour", "2026-11-22T10:30:00+01:00", "in half an hour"),
    ("at 2 o'clock", "2026-11-22T14:00:00+01:00", "2 o'clock"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "value", "span_text"), EN_CASES)
def test_english_times(text: str, value: str, span_text: str) -> None:
    found = [
        e for e in extract_entities(text, "en", EN_NOW, (time(8), time(18))) if e.entity == "time"
    ]
    assert [(e.value, e.text) for e in found] == [(value, span_text)]


@pytest.mark.parametrize("text", ["good morning", "i am fine", "the second option", "at home"])
def test_english_no_time(text: str) -> None:
    assert [e for e in extract_entities(text, "en", EN_NOW) if e.entity == "time"] == []
