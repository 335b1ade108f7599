"""When the office is there: open now, and the next working day for callbacks."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from agent.actions.slots import is_working_day
from agent.profile import WEEKDAYS, BusinessProfile


def is_open(profile: BusinessProfile, now: datetime) -> bool:
    return profile.is_open(now)


def next_working_day(profile: BusinessProfile, now: datetime) -> date:
    """Today while office hours are still ahead or running, else the next working day."""
    local = now.astimezone(profile.tz)
    today = local.date()
    spans = profile.opening_hours.spans(WEEKDAYS[today.weekday()])
    if is_working_day(profile, today) and any(local.time() < s.end for s in spans):
        return today
    day = today + timedelta(days=1)
    for _ in range(366):
        if is_working_day(profile, day):
            return day
        day += timedelta(days=1)
    return today + timedelta(days=1)  # a profile without opening hours
