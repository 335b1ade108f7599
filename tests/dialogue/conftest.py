"""Fixtures for the dialogue tests: the example profile and a fixed clock."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from agent.config import load_settings
from agent.profile import BusinessProfile

BERLIN = ZoneInfo("Europe/Berlin")
#: Monday, 23 November 2026, 09:00 in Munich: the office is open.
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN)
#: Monday, 23 November 2026, 22:00: after hours (Thomas Huber is on call).
MONDAY_22 = datetime(2026, 11, 23, 22, 0, tzinfo=BERLIN)


@pytest.fixture(scope="session")
def profile() -> BusinessProfile:
    return load_settings(env={}).business
