"""The appointment calendar: one interface, an in-memory and a PostgreSQL implementation.

Slots come from the business profile (:mod:`agent.actions.slots`); a booking is
refused with :class:`SlotTaken` when it would overlap another booking including
the buffer, or :class:`SlotUnavailable` when it is not a slot at all (closed,
holiday, off the grid, in the past).
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Protocol

from agent.domain.records import Appointment
from agent.profile import BusinessProfile

from .slots import (
    Slot,
    appointment_type,
    blocked,
    day_bounds,
    fits_opening_hours,
    free_slots,
    overlaps,
)

Clock = Callable[[], datetime]


class CalendarError(Exception):
    """A calendar operation was refused."""


class SlotTaken(CalendarError):
    """Another booking (or its buffer) overlaps the slot."""


class SlotUnavailable(CalendarError):
    """Not a bookable slot: outside opening hours, a holiday, off the grid or too soon."""


class AppointmentNotFound(CalendarError):
    """No booked appointment with that id."""


def normalize_phone(number: str) -> str:
    """Digits only, the German country code as a leading 0: '+49 171 23' -> '017123'."""
    digits = re.sub(r"\D", "", number)
    if number.strip().startswith("+49"):
        return "0" + digits[2:]
    if digits.startswith("0049"):
        return "0" + digits[4:]
    return digits


class Calendar(Protocol):
    """Appointments of one business. Every method may raise :class:`CalendarError`."""

    async def free_slots(
        self,
        start: date | datetime,
        end: date | datetime | None = None,
        *,
        appointment_type: str,
        limit: int = 20,
    ) -> list[Slot]:
        """Free slots starting in ``[start, end)``; a date means that whole day."""
        ...

    async def book(
        self, slot: Slot, *, name: str, phone: str, note: str = "", call_id: str | None = None
    ) -> Appointment: ...

    async def reschedule(self, appointment_id: str, slot: Slot) -> Appointment: ...

    async def cancel(self, appointment_id: str) -> Appointment: ...

    async def find_by_phone(
        self, phone: str, *, after: datetime | None = None
    ) -> list[Appointment]:
        """Booked appointments of that caller ending after ``after`` (default now)."""
        ...

    async def appointments(self) -> list[Appointment]:
        """Every appointment (booked and cancelled), earliest first."""
        ...


def time_range(
    profile: BusinessProfile, start: date | datetime, end: date | datetime | None
) -> tuple[datetime, datetime]:
    """The ``[start, end)`` a free-slot query means: a date is its whole day (also as
    ``end``, inclusive); no ``end`` means one day."""

    first = start if isinstance(start, datetime) else day_bounds(profile, start)[0]
    if end is None:
        if isinstance(start, datetime):
            return first, first + timedelta(days=1)
        return first, day_bounds(profile, start)[1]
    return first, end if isinstance(end, datetime) else day_bounds(profile, end)[1]


def check_slot(profile: BusinessProfile, slot: Slot, now: datetime) -> None:
    """Raise :class:`SlotUnavailable` unless ``slot`` is bookable at ``now``."""
    appointment_type(profile, slot.appointment_type)
    if not fits_opening_hours(profile, slot):
        raise SlotUnavailable("the slot is outside the opening hours or off the grid")
    if slot.start < now:
        raise SlotUnavailable("the slot is in the past")


class InMemoryCalendar:
    """A calendar in this process (simulate, tests). Safe for concurrent tasks."""

    def __init__(self, profile: BusinessProfile, clock: Clock) -> None:
        self._profile = profile
        self._clock = clock
        self._lock = asyncio.Lock()
        self._items: dict[str, Appointment] = {}

    def _busy(self, exclude: str | None = None) -> list[tuple[datetime, datetime]]:
        return [
            (a.start, a.end)
            for a in self._items.values()
            if a.status == "booked" and a.id != exclude
        ]

    def _check_free(self, slot: Slot, exclude: str | None = None) -> None:
        buffer = timedelta(minutes=self._profile.slot_buffer_min)
        mine = blocked(slot.start, slot.end, buffer)
        if any(overlaps(mine, blocked(s, e, buffer)) for s, e in self._busy(exclude)):
            raise SlotTaken("the slot overlaps another appointment")

    async def free_slots(
        self,
        start: date | datetime,
        end: date | datetime | None = None,
        *,
        appointment_type: str,
        limit: int = 20,
    ) -> list[Slot]:
        first, last = time_range(self._profile, start, end)
        return free_slots(
            self._profile,
            appointment_type,
            first,
            last,
            self._busy(),
            now=self._clock(),
            limit=limit,
        )

    async def book(
        self, slot: Slot, *, name: str, phone: str, note: str = "", call_id: str | None = None
    ) -> Appointment:
        async with self._lock:
            check_slot(self._profile, slot, self._clock())
            self._check_free(slot)
            appt = Appointment(
                id=str(uuid.uuid4()),
                appointment_type=slot.appointment_type,
                start=slot.start,
                end=slot.end,
                name=name,
                phone=phone,
                note=note,
                call_id=call_id,
            )
            self._items[appt.id] = appt
            return appt

    async def reschedule(self, appointment_id: str, slot: Slot) -> Appointment:
        async with self._lock:
            old = self._get(appointment_id)
            check_slot(self._profile, slot, self._clock())
            self._check_free(slot, exclude=appointment_id)
            new = replace(
                old, start=slot.start, end=slot.end, appointment_type=slot.appointment_type
            )
            self._items[appointment_id] = new
            return new

    async def cancel(self, appointment_id: str) -> Appointment:
        async with self._lock:
            new = replace(self._get(appointment_id), status="cancelled")
            self._items[appointment_id] = new
            return new

    def _get(self, appointment_id: str) -> Appointment:
        appt = self._items.get(appointment_id)
        if appt is None or appt.status != "booked":
            raise AppointmentNotFound(appointment_id)
        return appt

    async def find_by_phone(
        self, phone: str, *, after: datetime | None = None
    ) -> list[Appointment]:
        wanted = normalize_phone(phone)
        since = after or self._clock()
        found = [
            a
            for a in self._items.values()
            if a.status == "booked" and a.end > since and normalize_phone(a.phone) == wanted
        ]
        return sorted(found, key=lambda a: a.start)

    async def appointments(self) -> list[Appointment]:
        return sorted(self._items.values(), key=lambda a: a.start)
