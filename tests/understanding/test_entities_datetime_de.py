"""German date/time rules: fixed "now" values, one expected ISO datetime per phrase."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from agent.understanding.entities import BusinessHours, Entity, extract_entities
from agent.understanding.entities.datetime_de import extract_datetimes_de

BERLIN = ZoneInfo("Europe/Berlin")
SUNDAY = datetime(2026, 11, 22, 10, 0, tzinfo=BERLIN)  # Sunday 10:00
WEDNESDAY = datetime(2026, 11, 25, 9, 15, tzinfo=BERLIN)  # Wednesday 09:15
OFFICE = (time(8, 0), time(18, 0))


def iso(day: str, clock: str = "00:00") -> str:
    return f"{day}T{clock}:00+01:00"


def only_time(text: str, now: datetime, hours: BusinessHours = OFFICE) -> Entity:
    found = [e for e in extract_entities(text, "de", now, hours) if e.entity == "time"]
    assert len(found) == 1, found
    entity = found[0]
    assert text[entity.start : entity.end] == entity.text
    assert entity.extractor == "rufbereit.datetime_de"
    return entity


SUNDAY_CASES = [
    # the examples
    ("morgen um halb neun", iso("2026-11-23", "08:30"), "morgen um halb neun", "time"),
    ("am siebenundzwanzigsten um elf uhr", iso("2026-11-27", "11:00"),
     "siebenundzwanzigsten um elf uhr", "time"),
    ("übermorgen um vierzehn uhr", iso("2026-11-24", "14:00"), "übermorgen um vierzehn uhr",
     "time"),
    ("um halb drei am freitag", iso("2026-11-27", "14:30"), "halb drei am freitag", "time"),
    # relative days
    ("heute", iso("2026-11-22"), "heute", "day"),
    ("ginge das heut noch", iso("2026-11-22"), "heut", "day"),
    ("morgen", iso("2026-11-23"), "morgen", "day"),
    ("über morgen", iso("2026-11-24"), "über morgen", "day"),
    ("bis morgen dann", iso("2026-11-23"), "morgen", "day"),
    # weekdays
    ("am freitag um halb drei", iso("2026-11-27", "14:30"), "freitag um halb drei", "time"),
    ("nächsten dienstag um zehn", iso("2026-11-24", "10:00"), "nächsten dienstag um zehn", "time"),
    ("kommenden donnerstag", iso("2026-11-26"), "kommenden donnerstag", "day"),
    ("dienstag nächste woche", iso("2026-11-24"), "dienstag nächste woche", "day"),
    ("nächste woche am mittwoch", iso("2026-11-25"), "nächste woche am mittwoch", "day"),
    ("übernächsten montag", iso("2026-11-30"), "übernächsten montag", "day"),
    ("sonntag", iso("2026-11-29"), "sonntag", "day"),
    ("diesen sonntag", iso("2026-11-22"), "diesen sonntag", "day"),
    ("montag um 8:30", iso("2026-11-23", "08:30"), "montag um 8:30", "time"),
    ("samstag vormittag", iso("2026-11-28", "09:00"), "samstag vormittag", "part_of_day"),
    ("montags früh", iso("2026-11-23", "07:00"), "montags früh", "part_of_day"),
    # days of the month
    ("am 27.11.", iso("2026-11-27"), "27.11.", "day"),
    ("am 27.11.2026 um 17:30", iso("2026-11-27", "17:30"), "27.11.2026 um 17:30", "time"),
    ("27. november", iso("2026-11-27"), "27. november", "day"),
    ("den 4. dezember bitte", iso("2026-12-04"), "4. dezember", "day"),
    ("am dritten zwölften", iso("2026-12-03"), "dritten zwölften", "day"),
    ("am dritten november", iso("2027-11-03"), "dritten november", "day"),
    ("am 3.1.", iso("2027-01-03"), "3.1.", "day"),
    ("am ersten", iso("2026-12-01"), "ersten", "day"),
    ("am zweiundzwanzigsten", iso("2026-11-22"), "zweiundzwanzigsten", "day"),
    ("am einunddreißigsten", iso("2026-12-31"), "einunddreißigsten", "day"),
    ("zum fünfzehnten januar", iso("2027-01-15"), "fünfzehnten januar", "day"),
    ("2026-12-01", iso("2026-12-01"), "2026-12-01", "day"),
    ("freitag den siebenundzwanzigsten", iso("2026-11-27"), "freitag den siebenundzwanzigsten",
     "day"),
    # clock times
    ("um elf", iso("2026-11-22", "11:00"), "elf", "time"),
    ("um elf uhr", iso("2026-11-22", "11:00"), "elf uhr", "time"),
    ("um neun", iso("2026-11-23", "09:00"), "neun", "time"),
    ("um eins", iso("2026-11-22", "13:00"), "eins", "time"),
    ("um ein uhr", iso("2026-11-22", "13:00"), "ein uhr", "time"),
    ("so gegen vier", iso("2026-11-22", "16:00"), "vier", "time"),
    ("viertel nach acht", iso("2026-11-23", "08:15"), "viertel nach acht", "time"),
    ("viertel vor neun", iso("2026-11-23", "08:45"), "viertel vor neun", "time"),
    ("dreiviertel neun", iso("2026-11-23", "08:45"), "dreiviertel neun", "time"),
    ("drei viertel zehn", iso("2026-11-23", "09:45"), "drei viertel zehn", "time"),
    ("viertel neun", iso("2026-11-23", "08:15"), "viertel neun", "time"),
    ("halb zwölf", iso("2026-11-22", "11:30"), "halb zwölf", "time"),
    ("halb eins", iso("2026-11-22", "12:30"), "halb eins", "time"),
    ("zehn nach halb drei", iso("2026-11-22", "14:40"), "zehn nach halb drei", "time"),
    ("fünf vor halb vier", iso("2026-11-22", "15:25"), "fünf vor halb vier", "time"),
    ("zwanzig nach zehn", iso("2026-11-22", "10:20"), "zwanzig nach zehn", "time"),
    ("fünf vor zwölf", iso("2026-11-22", "11:55"), "fünf vor zwölf", "time"),
    ("um vierzehn uhr dreißig", iso("2026-11-22", "14:30"), "vierzehn uhr dreißig", "time"),
    ("um vierzehn uhr dreissig", iso("2026-11-22", "14:30"), "vierzehn uhr dreissig", "time"),
    ("um 17:30", iso("2026-11-22", "17:30"), "17:30", "time"),
    ("um 17.30 uhr", iso("2026-11-22", "17:30"), "17.30 uhr", "time"),
    ("17 uhr 45", iso("2026-11-22", "17:45"), "17 uhr 45", "time"),
    ("acht uhr fünfzehn", iso("2026-11-23", "08:15"), "acht uhr fünfzehn", "time"),
    # parts of the day
    ("heute abend um acht", iso("2026-11-22", "20:00"), "heute abend um acht", "time"),
    ("acht uhr abends", iso("2026-11-22", "20:00"), "acht uhr abends", "time"),
    ("drei uhr nachts", iso("2026-11-23", "03:00"), "drei uhr nachts", "time"),
    ("um zwölf uhr mittags", iso("2026-11-22", "12:00"), "zwölf uhr mittags", "time"),
    ("morgen früh", iso("2026-11-23", "07:00"), "morgen früh", "part_of_day"),
    ("morgen in der früh um sieben", iso("2026-11-23", "07:00"), "morgen in der früh um sieben",
     "time"),
    ("morgen vormittag", iso("2026-11-23", "09:00"), "morgen vormittag", "part_of_day"),
    ("morgen nachmittag um drei", iso("2026-11-23", "15:00"), "morgen nachmittag um drei", "time"),
    ("heute nachmittag", iso("2026-11-22", "14:00"), "heute nachmittag", "part_of_day"),
    ("heute morgen", iso("2026-11-22", "07:00"), "heute morgen", "part_of_day"),
    ("morgen abend", iso("2026-11-23", "18:00"), "morgen abend", "part_of_day"),
    ("kommenden montag vormittags", iso("2026-11-23", "09:00"), "kommenden montag vormittags",
     "part_of_day"),
    # relative moments and weeks
    ("in zwei stunden", iso("2026-11-22", "12:00"), "in zwei stunden", "time"),
    ("in einer halben stunde", iso("2026-11-22", "10:30"), "in einer halben stunde", "time"),
    ("in einer viertelstunde", iso("2026-11-22", "10:15"), "in einer viertelstunde", "time"),
    ("in zwanzig minuten", iso("2026-11-22", "10:20"), "in zwanzig minuten", "time"),
    ("in anderthalb stunden", iso("2026-11-22", "11:30"), "in anderthalb stunden", "time"),
    ("in 45 minuten", iso("2026-11-22", "10:45"), "in 45 minuten", "time"),
    ("in drei tagen", iso("2026-11-25"), "in drei tagen", "day"),
    ("in einer woche", iso("2026-11-29"), "in einer woche", "day"),
    ("nächste woche", iso("2026-11-23"), "nächste woche", "week"),
    ("in der nächsten woche", iso("2026-11-23"), "nächsten woche", "week"),
    ("übernächste woche", iso("2026-11-30"), "übernächste woche", "week"),
    # parts of a week, months
    ("auf ende der woche", iso("2026-11-27"), "ende der woche", "day"),
    ("anfang nächster woche", iso("2026-11-23"), "anfang nächster woche", "day"),
    ("mitte kommender woche um zehn", iso("2026-11-25", "10:00"), "mitte kommender woche um zehn",
     "time"),
    ("im januar", iso("2027-01-01"), "januar", "month"),
    ("ab dezember", iso("2026-12-01"), "dezember", "month"),
    ("noch im november", iso("2026-11-22"), "november", "month"),
    # typed text and hesitations
    ("Morgen um 8:30 Uhr, geht das?", iso("2026-11-23", "08:30"), "Morgen um 8:30 Uhr", "time"),
    ("Am Montag, den 30.11. um 9 Uhr", iso("2026-11-30", "09:00"), "Montag, den 30.11. um 9 Uhr",
     "time"),
    ("äh ja also morgen äh um zehn", iso("2026-11-23", "10:00"), "morgen äh um zehn", "time"),
    ("ich bräucht was am DIENSTAG", iso("2026-11-24"), "DIENSTAG", "day"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "value", "span_text", "grain"), SUNDAY_CASES)
def test_sunday_morning(text: str, value: str, span_text: str, grain: str) -> None:
    entity = only_time(text, SUNDAY)
    assert (entity.value, entity.text, entity.grain) == (value, span_text, grain)


WEDNESDAY_CASES = [
    ("morgen", iso("2026-11-26")),
    ("übermorgen um zehn", iso("2026-11-27", "10:00")),
    ("nächsten dienstag", iso("2026-12-01")),
    ("dienstag nächste woche", iso("2026-12-01")),
    ("diesen freitag", iso("2026-11-27")),
    ("am mittwoch", iso("2026-12-02")),
    ("diesen mittwoch", iso("2026-11-25")),
    ("um zehn", iso("2026-11-25", "10:00")),
    ("um neun", iso("2026-11-26", "09:00")),
    ("um halb drei", iso("2026-11-25", "14:30")),
    ("am siebenundzwanzigsten", iso("2026-11-27")),
    ("am zwanzigsten", iso("2026-12-20")),
    ("nächste woche", iso("2026-11-30")),
    ("heute nachmittag um vier", iso("2026-11-25", "16:00")),
    ("heute morgen", iso("2026-11-25", "07:00")),
    ("in zwei stunden", iso("2026-11-25", "11:15")),
]


@pytest.mark.parametrize(("text", "value"), WEDNESDAY_CASES)
def test_wednesday_morning(text: str, value: str) -> None:
    assert only_time(text, WEDNESDAY).value == value


def test_year_end_wraps_into_next_year() -> None:
    now = datetime(2026, 12, 30, 11, 0, tzinfo=BERLIN)
    assert only_time("am dritten januar", now).value == iso("2027-01-03")
    assert only_time("am fünften", now).value == iso("2027-01-05")
    assert only_time("nächsten montag um neun", now).value == iso("2027-01-04", "09:00")


def test_daylight_saving_change_gives_summer_offset() -> None:
    now = datetime(2026, 3, 27, 12, 0, tzinfo=BERLIN)  # Friday before the change
    assert only_time("übermorgen um zehn", now).value == "2026-03-29T10:00:00+02:00"


def test_now_in_another_zone_is_converted_to_business_time() -> None:
    now_utc = datetime(2026, 11, 22, 23, 30, tzinfo=ZoneInfo("UTC"))  # 00:30 Monday in Berlin
    assert only_time("morgen", now_utc).value == iso("2026-11-24")


def test_naive_now_is_taken_as_business_local_time() -> None:
    assert only_time("morgen", datetime(2026, 11, 22, 10, 0)).value == iso("2026-11-23")


@pytest.mark.parametrize(
    ("text", "hours", "value"),
    [
        # an evening business: "um acht" is 20:00
        ("am freitag um acht", (time(17, 0), time(23, 0)), iso("2026-11-27", "20:00")),
        # a night bakery: "halb drei" is 2:30
        ("am freitag um halb drei", (time(0, 0), time(6, 0)), iso("2026-11-27", "02:30")),
        # neither reading is open: afternoon for 1-6, morning for 7-11
        ("am freitag um halb drei", (time(9, 0), time(12, 0)), iso("2026-11-27", "14:30")),
        ("am freitag um sieben", (time(9, 0), time(12, 0)), iso("2026-11-27", "07:00")),
        # the default 07:00-19:00
        ("am freitag um sechs", None, iso("2026-11-27", "18:00")),
    ],
)
def test_business_hours_decide_am_or_pm(text: str, hours: BusinessHours, value: str) -> None:
    assert only_time(text, SUNDAY, hours).value == value


def mueller_hours(dt: datetime) -> bool:
    """The example profile: Mon-Thu 7:30-12 and 13-17, Fri 7:30-13."""
    t, wd = dt.time(), dt.weekday()
    if wd <= 3:
        return time(7, 30) <= t < time(12) or time(13) <= t < time(17)
    return wd == 4 and time(7, 30) <= t < time(13)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("am montag um eins", iso("2026-11-23", "13:00")),
        ("am montag um halb acht", iso("2026-11-23", "07:30")),
        ("am freitag um vier", iso("2026-11-27", "16:00")),
        ("um halb drei", iso("2026-11-23", "14:30")),  # Sunday closed: the next open 14:30
    ],
)
def test_business_hours_as_a_function(text: str, value: str) -> None:
    check: Callable[[datetime], bool] = mueller_hours
    assert only_time(text, SUNDAY, check).value == value


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "guten morgen",
        "guten abend ich hätte eine frage",
        "gute nacht",
        "einen schönen abend noch",
        "ich habe zwei fragen",
        "im zweiten stock",
        "in den zweiten stock",
        "um zwei kartons zu bestellen",
        "ich brauche zwei stunden",
        "das kostet fünfzig euro",
        "meine nummer ist null acht neun zweiundvierzig",
        "asdf qwer 123 ### !!!",
        "am zweiunddreißigsten",
        "am 31.11.",
    ],
)
def test_no_time_entity(text: str) -> None:
    assert [e for e in extract_entities(text, "de", SUNDAY) if e.entity == "time"] == []


def test_two_expressions_stay_two_entities() -> None:
    text = "morgen oder übermorgen um zehn"
    found = extract_datetimes_de(text, SUNDAY, OFFICE)
    assert [(e.text, e.value) for e in found] == [
        ("morgen", iso("2026-11-23")),
        ("übermorgen um zehn", iso("2026-11-24", "10:00")),
    ]


def test_expression_inside_a_long_sentence_keeps_its_span() -> None:
    text = "Grüß Gott, äh, ich bräucht an Termin für a Heizungswartung, am Dienstag um 10 Uhr!"
    entity = only_time(text, SUNDAY)
    assert entity.text == "Dienstag um 10 Uhr"
    assert entity.value == iso("2026-11-24", "10:00")
    assert entity.to_rasa()["additional_info"] == {"grain": "time"}
