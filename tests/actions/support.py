"""Shared test data for the action tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from agent.config import load_settings
from agent.domain import Appointment
from agent.profile import BusinessProfile

TZ = ZoneInfo("Europe/Berlin")


def profile() -> BusinessProfile:
    return load_settings(env={}).business


def appointment(start: datetime | None = None, minutes: int = 60) -> Appointment:
    start = start or datetime(2026, 12, 1, 10, 0, tzinfo=TZ)
    return Appointment(
        id="9b2f4c1e-0000-4000-8000-000000000001",
        appointment_type="Heizungswartung",
        start=start,
        end=start + timedelta(minutes=minutes),
        name="Anna Bauer",
        phone="0171 2345678",
    )
