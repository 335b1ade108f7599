"""Free appointment slots from the business profile.

A slot is free when it lies inside one opening-hours span of a working day (no
holiday), starts on the profile's grid (``slot_step_min`` from the span's start),
is at least ``booking_notice_min`` after now, at most ``booking_horizon_days``
ahead, and keeps ``slot_buffer_min`` free towards every booked appointment.

The buffer rule is the same as the database's exclusion constraint: an
appointment blocks ``[start, end + buffer)``; two appointments may not have
overlapping blocked ranges.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from agent.profile import WEEKDAYS, AppointmentType, BusinessProfile

#: Used when a profile lists no appointment types.
DEFAULT_APPOINTMENT_TYPE = AppointmentType(name="Termin", duration_min=60)


class UnknownAppointmentType(ValueError):
    """The profile has no appointment type of that name."""


@dataclass(frozen=True, slots=True)
class Slot:
    """A bookable time: ``[start, end)`` (aware datetimes) for one appointment type."""

    start: datetime
    end: datetime
    appointment_type: str


def appointment_types(profile: BusinessProfile) -> list[AppointmentType]:
    return list(profile.appointment_types) or [DEFAULT_APPOINTMENT_TYPE]


def appointment_type(profile: BusinessProfile, name: str) -> AppointmentType:
    for t in appointment_types(profile):
        if t.name == name:
            return t
    raise UnknownAppointmentType(f"no appointment type {name!r} in the business profile")


def blocked(start: datetime, end: datetime, buffer: timedelta) -> tuple[datetime, datetime]:
    """The time an appointment keeps others away from: ``[start, end + buffer)``."""
    return start, end + buffer


def overlaps(a: tuple[datetime, datetime], b: tuple[datetime, datetime]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def is_working_day(profile: BusinessProfile, day: date) -> bool:
    return day not in profile.holidays and bool(
        profile.opening_hours.spans(WEEKDAYS[day.weekday()])
    )


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def candidate_starts(
    profile: BusinessProfile, day: date, duration: timedelta
) -> Iterator[datetime]:
    """Every start on ``day`` on the grid where an appointment of ``duration`` fits a span."""
    if not is_working_day(profile, day):
        return
    step = timedelta(minutes=profile.slot_step_min)
    for span in profile.opening_hours.spans(WEEKDAYS[day.weekday()]):
        start = datetime.combine(day, span.start, tzinfo=profile.tz)
        close = datetime.combine(day, span.end, tzinfo=profile.tz)
        while start + duration <= close:
            yield start
            start += step


def fits_opening_hours(profile: BusinessProfile, slot: Slot) -> bool:
    """True when ``slot`` is one of the profile's candidate slots for its type and day."""
    local = slot.start.astimezone(profile.tz)
    duration = slot.end - slot.start
    kind = appointment_type(profile, slot.appointment_type)
    if duration != timedelta(minutes=kind.duration_min):
        return False
    return local in set(candidate_starts(profile, local.date(), duration))


def free_slots(
    profile: BusinessProfile,
    type_name: str,
    start: datetime,
    end: datetime,
    busy: Iterable[tuple[datetime, datetime]],
    *,
    now: datetime,
    limit: int = 50,
) -> list[Slot]:
    """Free slots of ``type_name`` starting in ``[start, end)``, earliest first.

    ``busy`` holds the ``(start, end)`` of booked appointments (without buffer).
    """
    kind = appointment_type(profile, type_name)
    duration = timedelta(minutes=kind.duration_min)
    buffer = timedelta(minutes=profile.slot_buffer_min)
    earliest = max(start, now + timedelta(minutes=profile.booking_notice_min))
    latest = min(end, now + timedelta(days=profile.booking_horizon_days))
    taken = [blocked(s, e, buffer) for s, e in busy]
    out: list[Slot] = []
    tz = profile.tz
    for day in _days(earliest.astimezone(tz).date(), latest.astimezone(tz).date()):
        for s in candidate_starts(profile, day, duration):
            if s < earliest or s >= latest:
                continue
            if any(overlaps(blocked(s, s + duration, buffer), t) for t in taken):
                continue
            out.append(Slot(s, s + duration, kind.name))
            if len(out) >= limit:
                return out
    return out


def day_bounds(profile: BusinessProfile, day: date, days: int = 1) -> tuple[datetime, datetime]:
    """``[00:00 of day, 00:00 of day + days)`` in the business time zone."""
    first = datetime.combine(day, time(0), tzinfo=profile.tz)
    return first, datetime.combine(day + timedelta(days=days), time(0), tzinfo=profile.tz)
