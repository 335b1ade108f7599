"""`make demo`'s profile and booking day: whenever the demo runs, the emergency is one
after hours with Thomas Huber (the lab's technician phone) on call, the assistant hears
German with Whisper, and "am <Wochentag>" names an open day within the coming week."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from agent.actions.escalation.rota import on_call_now
from agent.config import load_settings
from lab.demo_call import booking_day
from lab.demo_profile import demo_profile

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize("hour", [3, 10, 14, 22])
@pytest.mark.parametrize("day", [7, 10, 12, 13])  # Monday, Thursday, Saturday, Sunday
def test_the_demo_emergency_is_after_hours_with_thomas_on_call(
    tmp_path: Path, day: int, hour: int
) -> None:
    now = datetime(2026, 12, day, hour, 15, tzinfo=BERLIN)
    path = tmp_path / "demo.yaml"
    path.write_text(yaml.safe_dump(demo_profile(now), allow_unicode=True), encoding="utf-8")
    settings = load_settings(path, env={})
    business = settings.business
    assert not business.is_open(now)
    person = on_call_now(business.on_call, now, business.tz)
    assert person is not None and person.name == "Thomas Huber"
    assert person.phone == "PJSIP/oncall1"
    assert settings.stt.backend == "whisper" and settings.stt.language == "de"


@pytest.mark.parametrize("offset", range(7))
def test_the_booking_day_is_an_open_weekday_within_a_week(offset: int) -> None:
    today = date(2026, 12, 7) + timedelta(days=offset)
    settings = load_settings(env={})
    day = booking_day(today, settings.business.holidays)
    assert today + timedelta(days=2) <= day <= today + timedelta(days=6)
    assert day.weekday() <= 3
    assert settings.business.is_open(datetime(day.year, day.month, day.day, 10, tzinfo=BERLIN))


def test_a_holiday_moves_the_booking_day() -> None:
    today = date(2026, 12, 7)  # Monday: Wednesday the 9th, unless that is a holiday
    assert booking_day(today, []) == date(2026, 12, 9)
    assert booking_day(today, [date(2026, 12, 9)]) == date(2026, 12, 10)
