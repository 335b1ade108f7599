"""Language-independent part of the date/time rules.

A language module finds *pieces* in the lower-cased text (a day, a clock time,
a part of the day, or an already absolute moment such as "in zwei stunden").
``resolve`` joins neighbouring pieces that are separated only by filler words
("morgen | um | halb neun") into one expression and turns it into a local
datetime, using the business hours to decide whether "halb drei" means 2:30 or
14:30.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

#: Part of the day -> (hour used when no clock time is given, rule for 12-hour times)
PARTS_OF_DAY: dict[str, int] = {
    "early": 7,  # früh, morgens, in the morning
    "forenoon": 9,  # vormittags
    "noon": 12,  # mittags
    "afternoon": 14,  # nachmittags
    "evening": 18,  # abends
    "night": 22,  # nachts
}


@dataclass(frozen=True, slots=True)
class ClockTime:
    """A clock time; ``ambiguous`` when it was said on a 12-hour dial ("halb drei")."""

    hour: int
    minute: int
    ambiguous: bool


@dataclass(frozen=True, slots=True)
class Piece:
    start: int
    end: int
    day: date | None = None
    day_grain: str = "day"  # "day", "week", or "weekday" (a bare weekday name)
    clock: ClockTime | None = None
    part: str | None = None  # a key of PARTS_OF_DAY
    offset: timedelta | None = None  # from now ("in zwei stunden")


@dataclass(frozen=True, slots=True)
class Resolved:
    start: int
    end: int
    value: datetime
    grain: str  # "time", "part_of_day", "day" or "week"
    extra: dict[str, str] = field(default_factory=dict)


Handler = Callable[[re.Match[str], date], "Piece | None"]


class RuleSet:
    """Regular expressions, each with a handler turning a match into a Piece."""

    def __init__(self) -> None:
        self.rules: list[tuple[re.Pattern[str], Handler]] = []

    def rule(self, pattern: str) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            self.rules.append((re.compile(pattern), fn))
            return fn

        return register

    def pieces(self, lower: str, today: date) -> Iterator[Piece]:
        for pattern, handler in self.rules:
            for m in pattern.finditer(lower):
                try:
                    piece = handler(m, today)
                except (KeyError, ValueError):
                    continue
                if piece is not None:
                    yield piece


def next_weekday(today: date, weekday: int, *, allow_today: bool = False) -> date:
    """The next date with ``weekday`` (0 = Monday) after today (or today itself)."""
    ahead = (weekday - today.weekday()) % 7
    if ahead == 0 and not allow_today:
        ahead = 7
    return today + timedelta(days=ahead)


def monday_of_week(day: date, weeks_ahead: int = 0) -> date:
    return day - timedelta(days=day.weekday()) + timedelta(weeks=weeks_ahead)


def safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def date_of_month(today: date, day: int, month: int | None, year: int | None) -> date | None:
    """ "am 27." / "am 27. november" / "27.11.2026": the next such date from today on."""
    if year is not None:
        if year < 100:
            year += 2000
        return safe_date(year, month or today.month, day)
    if month is not None:
        found = safe_date(today.year, month, day)
        if found is not None and found < today:
            found = safe_date(today.year + 1, month, day)
        return found
    for offset in range(0, 3):  # this month, else the next month(s) having that day
        m = (today.month - 1 + offset) % 12 + 1
        y = today.year + (today.month - 1 + offset) // 12
        found = safe_date(y, m, day)
        if found is not None and found >= today:
            return found
    return None


def _twelve_hour_candidates(hour: int, part: str | None) -> list[int]:
    """Hours (0-23) a 12-hour ``hour`` may mean, most likely first."""
    if part in ("early", "forenoon"):
        return [hour % 12] if hour == 12 else [hour]
    if part == "noon":
        return [hour] if hour >= 11 else [hour + 12]
    if part in ("afternoon", "evening"):
        return [hour] if hour == 12 else [hour + 12]
    if part == "night":
        return [hour + 12] if 7 <= hour < 12 else [hour % 12]
    if hour == 12:
        return [12, 0]
    # Without any hint a business mostly means 7-11 in the morning, 1-6 in the afternoon.
    return [hour, hour + 12] if 7 <= hour <= 11 else [hour + 12, hour]


def _at(day: date, hour: int, minute: int, tz: datetime) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz.tzinfo)


def _resolve_clock(
    clock: ClockTime, day: date | None, part: str | None, now: datetime,
    is_open: Callable[[datetime], bool],
) -> datetime:  # fmt: skip
    hours = _twelve_hour_candidates(clock.hour, part) if clock.ambiguous else [clock.hour]
    days = [day] if day is not None else [now.date(), now.date() + timedelta(days=1)]
    candidates = [_at(d, h % 24, clock.minute, now) for d in days for h in hours]
    if day is None:  # a bare time means the next such moment
        candidates = [c for c in candidates if c > now] or candidates
    ranked = sorted(
        enumerate(candidates),
        key=lambda ic: (not (ic[1] > now and is_open(ic[1])), not ic[1] > now, ic[0]),
    )
    return ranked[0][1]


_DEFAULT_GAP = re.compile(r"^[\s,]*$")


def group_pieces(pieces: list[Piece], text: str, gap: re.Pattern[str]) -> list[list[Piece]]:
    """Join neighbours separated only by filler words; one day/clock/part per group."""
    groups: list[list[Piece]] = []
    for piece in sorted(pieces, key=lambda p: (p.start, -p.end)):
        if groups and piece.start < groups[-1][-1].end:
            continue  # overlaps an earlier piece: the longer/earlier one wins
        if groups and _joinable(groups[-1], piece, text, gap):
            groups[-1].append(piece)
        else:
            groups.append([piece])
    return groups


def _joinable(group: list[Piece], piece: Piece, text: str, gap: re.Pattern[str]) -> bool:
    if piece.offset is not None or any(p.offset is not None for p in group):
        return False
    if not gap.match(text[group[-1].end : piece.start]):
        return False
    days = [p for p in group if p.day is not None]
    if piece.day is not None and len(days) == 1:
        # "freitag, den siebenundzwanzigsten": a weekday name joins an explicit date
        grains = {days[0].day_grain, piece.day_grain}
        if grains == {"weekday", "day"} and not any(p.clock or p.part for p in group):
            return True
    has_day = bool(days)
    has_clock = any(p.clock is not None for p in group)
    has_part = any(p.part is not None for p in group)
    return not (
        (piece.day is not None and has_day)
        or (piece.clock is not None and has_clock)
        or (piece.part is not None and has_part)
    )


def resolve(
    pieces: list[Piece], text: str, now: datetime, is_open: Callable[[datetime], bool],
    gap: re.Pattern[str] = _DEFAULT_GAP,
) -> list[Resolved]:  # fmt: skip
    """Turn pieces into resolved datetimes (``now`` must be aware and local)."""
    out: list[Resolved] = []
    for group in group_pieces(pieces, text, gap):
        merged = group[0]
        for p in group[1:]:
            take_day = merged.day is None or (merged.day_grain == "weekday" and p.day is not None)
            merged = replace(
                merged,
                end=p.end,
                day=p.day if take_day else merged.day,
                day_grain=p.day_grain if take_day else merged.day_grain,
                clock=merged.clock or p.clock,
                part=merged.part or p.part,
            )
        resolved = _resolve_one(merged, now, is_open)
        if resolved is not None:
            out.append(resolved)
    return out


def _resolve_one(p: Piece, now: datetime, is_open: Callable[[datetime], bool]) -> Resolved | None:
    extra = {"part": p.part} if p.part else {}
    if p.offset is not None:
        value = (now + p.offset).replace(second=0, microsecond=0)
        return Resolved(p.start, p.end, value, "time")
    if p.clock is not None:
        value = _resolve_clock(p.clock, p.day, p.part, now, is_open)
        return Resolved(p.start, p.end, value, "time", extra)
    if p.part is not None:
        hour = PARTS_OF_DAY[p.part]
        day = p.day
        if day is None:
            day = now.date() if now.hour < hour + 3 else now.date() + timedelta(days=1)
        return Resolved(p.start, p.end, _at(day, hour, 0, now), "part_of_day", extra)
    if p.day is not None:
        grain = "day" if p.day_grain == "weekday" else p.day_grain
        return Resolved(p.start, p.end, _at(p.day, 0, 0, now), grain)
    return None
