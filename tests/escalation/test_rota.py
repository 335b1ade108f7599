"""Who is on call: shifts (also over midnight), overrides, the call order."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from agent.actions.escalation.rota import call_order, on_call_now
from agent.config import load_settings
from agent.profile import OnCall

TZ = ZoneInfo("Europe/Berlin")
PEOPLE = [
    {"name": "Huber", "phone": "PJSIP/1001"},
    {"name": "Gruber", "phone": "+49 89 1234567"},
    {"name": "Chef", "phone": "PJSIP/200"},
]


def rota(**extra: object) -> OnCall:
    data: dict[str, object] = {
        "people": PEOPLE,
        "shifts": [
            {"days": ["mon", "tue", "wed", "thu"], "start": "17:00", "end": "07:30",
             "person": "Huber"},
            {"days": ["fri", "sat", "sun"], "start": "00:00", "end": "23:59", "person": "Gruber"},
        ],
        "fallback": ["Chef"],
    }  # fmt: skip
    data.update(extra)
    return OnCall.model_validate(data)


def who(r: OnCall, text: str) -> str | None:
    person = on_call_now(r, datetime.fromisoformat(text), TZ)
    return None if person is None else person.name


def test_weekly_shifts() -> None:
    r = rota()
    assert who(r, "2026-11-23 18:00") == "Huber"  # Monday evening
    assert who(r, "2026-11-24 03:00") == "Huber"  # Tuesday early: Monday's night shift
    assert who(r, "2026-11-24 12:00") is None  # Tuesday noon: office hours
    assert who(r, "2026-11-27 03:00") == "Huber"  # Friday early: Thursday's night shift
    assert who(r, "2026-11-27 08:00") == "Gruber"  # Friday
    assert who(r, "2026-11-23 03:00") is None  # Monday early: Sunday has no night shift


def test_aware_times_are_converted_to_the_business_zone() -> None:
    r = rota()
    assert who(r, "2026-11-23T17:30:00+00:00") == "Huber"  # 18:30 in Berlin
    assert who(r, "2026-11-23T15:30:00+00:00") is None  # 16:30 in Berlin


def test_overrides_win_over_shifts_and_the_latest_override_wins() -> None:
    r = rota(
        overrides=[
            {"start": "2026-12-24 00:00", "end": "2026-12-27 00:00", "person": "Chef",
             "note": "Weihnachten"},
            {"start": "2026-12-25 12:00", "end": "2026-12-25 18:00", "person": "Huber",
             "note": "Tausch"},
        ]
    )  # fmt: skip
    assert who(r, "2026-12-24 20:00") == "Chef"
    assert who(r, "2026-12-25 13:00") == "Huber"
    assert who(r, "2026-12-26 10:00") == "Chef"
    assert who(r, "2026-12-27 10:00") == "Gruber"  # Sunday: back to the shifts


def test_call_order_starts_with_who_is_on_call_then_the_rota_then_fallback() -> None:
    r = rota()
    friday = datetime(2026, 11, 27, 10, 0)
    assert [p.name for p in call_order(r, friday, TZ)] == ["Gruber", "Huber", "Chef"]
    monday_night = datetime(2026, 11, 23, 22, 0)
    assert [p.name for p in call_order(r, monday_night, TZ)] == ["Huber", "Gruber", "Chef"]


def test_override_must_name_a_person_and_end_after_it_starts() -> None:
    with pytest.raises(ValidationError, match="Nobody"):
        rota(overrides=[{"start": "2026-12-24", "end": "2026-12-25", "person": "Nobody"}])
    with pytest.raises(ValidationError, match="end after"):
        rota(overrides=[{"start": "2026-12-25", "end": "2026-12-24", "person": "Chef"}])


def test_the_example_profile_still_loads_without_overrides() -> None:
    settings = load_settings(env={})
    assert settings.business.on_call is not None
    assert settings.business.on_call.overrides == []
