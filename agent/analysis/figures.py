"""The figures of a period: how many called, who answered, what was missed and when."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta, tzinfo

from pydantic import BaseModel

from .calls import Call

WEEKDAYS_DE = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class DayCount(BaseModel):
    day: date
    inbound: int = 0
    answered_by_person: int = 0
    answered_by_assistant: int = 0
    missed: int = 0


class HourCount(BaseModel):
    weekday: int  # 0 = Monday
    hour: int
    inbound: int = 0
    missed: int = 0


class Figures(BaseModel):
    """What ``rufbereit analyse --json`` prints for a period."""

    period_from: date
    period_to: date
    days: int
    inbound_calls: int
    answered_by_person: int
    answered_by_assistant: int
    missed: int
    missed_share: float  # of inbound calls, 0..1
    reachability: float  # answered share, 0..1
    inbound_in_opening_hours: int
    inbound_after_hours: int
    missed_in_opening_hours: int
    missed_after_hours: int
    missed_share_in_opening_hours: float
    missed_share_after_hours: float
    missed_by_reason: dict[str, int]
    handed_over_by_assistant: int  # answered by the assistant, then given to a person
    repeated_calls: int  # the same number again within the hour
    callers: int  # distinct numbers (withheld numbers not counted)
    withheld_calls: int
    callers_never_reached: int  # numbers none of whose calls was answered
    calls_per_day: float
    missed_per_day: float
    internal_calls: int  # left out of the figures above
    outbound_calls: int
    assistant_own_calls: int  # escalations, warm transfers: left out too
    unreadable_rows: int = 0
    per_day: list[DayCount]
    per_hour_of_week: list[HourCount]  # 7 x 24, Monday 0:00 first
    busiest_missed_hours: list[HourCount]


def in_period(calls: Sequence[Call], tz: tzinfo, since: date, until: date) -> list[Call]:
    """The calls that started on a day from ``since`` to ``until`` (inclusive), local time."""
    return [c for c in calls if since <= c.started_at.astimezone(tz).date() <= until]


def count(
    calls: Sequence[Call],
    *,
    tz: tzinfo,
    since: date,
    until: date,
    is_open: Callable[[datetime], bool],
    unreadable_rows: int = 0,
) -> Figures:
    """The figures of the calls from ``since`` to ``until`` (inclusive, local days)."""
    calls = in_period(calls, tz, since, until)
    inbound = [c for c in calls if c.direction == "inbound"]
    missed = [c for c in inbound if c.outcome == "missed"]
    open_calls = [c for c in inbound if is_open(c.started_at)]
    open_missed = sum(1 for c in open_calls if c.outcome == "missed")
    after = len(inbound) - len(open_calls)
    after_missed = len(missed) - open_missed
    days = (until - since).days + 1

    by_number: dict[str, list[Call]] = defaultdict(list)
    for c in inbound:
        if c.caller:
            by_number[c.caller].append(c)

    per_day = {
        since + timedelta(days=n): DayCount(day=since + timedelta(days=n)) for n in range(days)
    }
    grid = {(d, h): HourCount(weekday=d, hour=h) for d in range(7) for h in range(24)}
    for c in inbound:
        local = c.started_at.astimezone(tz)
        day = per_day[local.date()]
        cell = grid[(local.weekday(), local.hour)]
        day.inbound += 1
        cell.inbound += 1
        if c.outcome == "missed":
            day.missed += 1
            cell.missed += 1
        elif c.outcome == "person":
            day.answered_by_person += 1
        else:
            day.answered_by_assistant += 1
    busiest = sorted((h for h in grid.values() if h.missed), key=lambda h: (-h.missed, -h.inbound))

    return Figures(
        period_from=since,
        period_to=until,
        days=days,
        inbound_calls=len(inbound),
        answered_by_person=sum(1 for c in inbound if c.outcome == "person"),
        answered_by_assistant=sum(1 for c in inbound if c.outcome == "assistant"),
        missed=len(missed),
        missed_share=_share(len(missed), len(inbound)),
        reachability=_share(len(inbound) - len(missed), len(inbound)),
        inbound_in_opening_hours=len(open_calls),
        inbound_after_hours=after,
        missed_in_opening_hours=open_missed,
        missed_after_hours=after_missed,
        missed_share_in_opening_hours=_share(open_missed, len(open_calls)),
        missed_share_after_hours=_share(after_missed, after),
        missed_by_reason=dict(Counter(c.missed_reason or "no_answer" for c in missed)),
        handed_over_by_assistant=sum(1 for c in inbound if c.handed_over),
        repeated_calls=sum(1 for c in inbound if c.repeated),
        callers=len(by_number),
        withheld_calls=sum(1 for c in inbound if not c.caller),
        callers_never_reached=sum(
            1 for tries in by_number.values() if not any(c.answered for c in tries)
        ),
        calls_per_day=round(len(inbound) / days, 2),
        missed_per_day=round(len(missed) / days, 2),
        internal_calls=sum(1 for c in calls if c.direction == "internal"),
        outbound_calls=sum(1 for c in calls if c.direction == "outbound"),
        assistant_own_calls=sum(1 for c in calls if c.direction == "system"),
        unreadable_rows=unreadable_rows,
        per_day=list(per_day.values()),
        per_hour_of_week=list(grid.values()),
        busiest_missed_hours=busiest[:5],
    )


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0
