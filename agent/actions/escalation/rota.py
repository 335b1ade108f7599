"""Who is on call: the weekly shifts, overrides (holidays, swaps) and the call order.

A shift over midnight (``17:00-07:30`` on ``mon``) covers Monday evening and the early
hours of Tuesday: the part after midnight belongs to the day the shift started.
Overrides win over shifts; the latest-starting override that covers the moment wins.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from agent.profile import WEEKDAYS, OnCall, OnCallShift, Person


def _naive(moment: datetime, tz: ZoneInfo) -> datetime:
    """Local wall-clock time in ``tz`` (naive times already are)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(tz).replace(tzinfo=None)


def shift_covers(shift: OnCallShift, moment: datetime) -> bool:
    """Does ``shift`` cover ``moment`` (local time, naive or aware)?"""
    day, t = WEEKDAYS[moment.weekday()], moment.time()
    if shift.start < shift.end:
        return day in shift.days and shift.start <= t < shift.end
    if shift.start == shift.end:  # a whole day, from start to start
        yesterday = WEEKDAYS[(moment - timedelta(days=1)).weekday()]
        return (day in shift.days and t >= shift.start) or (
            yesterday in shift.days and t < shift.start
        )
    yesterday = WEEKDAYS[(moment - timedelta(days=1)).weekday()]
    return (day in shift.days and t >= shift.start) or (yesterday in shift.days and t < shift.end)


def person_named(on_call: OnCall, name: str) -> Person:
    for person in on_call.people:
        if person.name == name:
            return person
    raise KeyError(name)


def on_call_now(on_call: OnCall, now: datetime, tz: ZoneInfo) -> Person | None:
    """The person on call at ``now`` (an override first, then the shifts), or None."""
    naive = _naive(now, tz)
    best: tuple[datetime, str] | None = None
    for override in on_call.overrides:
        start, end = _naive(override.start, tz), _naive(override.end, tz)
        if start <= naive < end and (best is None or start >= best[0]):
            best = (start, override.person)
    if best is not None:
        return person_named(on_call, best[1])
    for shift in on_call.shifts:
        if shift_covers(shift, naive):
            return person_named(on_call, shift.person)
    return None


def call_order(on_call: OnCall, now: datetime, tz: ZoneInfo) -> list[Person]:
    """Whom to call, in order: the person on call now, the others of the rota (in the
    order of their first shift), then the fallback list. Nobody twice."""
    names: list[str] = []
    current = on_call_now(on_call, now, tz)
    if current is not None:
        names.append(current.name)
    for shift in on_call.shifts:
        if shift.person not in names:
            names.append(shift.person)
    for name in on_call.fallback:
        if name not in names:
            names.append(name)
    return [person_named(on_call, n) for n in names]


def fallback_names(on_call: OnCall) -> set[str]:
    return set(on_call.fallback)
