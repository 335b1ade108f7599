"""What the agent tells the dialplan about routing: the profile's mode, the office, how
long it rings, and whether the business is open at this moment."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from agent.config import load_settings
from agent.profile import Routing
from agent.telephony.routing import routing_globals

BERLIN = ZoneInfo("Europe/Berlin")


def test_the_globals_follow_the_profile_and_the_opening_hours() -> None:
    profile = load_settings(env={}).business  # Mon-Thu 7:30-12, 13-17; Fri 7:30-13
    monday_9 = datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN)
    assert routing_globals(profile, monday_9) == {
        "RUFBEREIT_MODE": "overflow",
        "RUFBEREIT_OFFICE_DIAL": profile.handover.office,
        "RUFBEREIT_OFFICE_RING": "20",
        "RUFBEREIT_OPEN": "1",
    }
    lunch = monday_9.replace(hour=12, minute=30)
    christmas = datetime(2026, 12, 24, 9, 0, tzinfo=BERLIN)  # a holiday in the profile
    assert routing_globals(profile, lunch)["RUFBEREIT_OPEN"] == "0"
    assert routing_globals(profile, christmas)["RUFBEREIT_OPEN"] == "0"
    after = profile.model_copy(update={"routing": Routing(mode="after_hours", office_ring_s=12)})
    assert routing_globals(after, monday_9)["RUFBEREIT_MODE"] == "after_hours"
    assert routing_globals(after, monday_9)["RUFBEREIT_OFFICE_RING"] == "12"
