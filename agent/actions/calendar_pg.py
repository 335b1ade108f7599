"""The appointment calendar in PostgreSQL (table ``appointments``, migration 0002).

The database, not this code, guarantees that no two bookings overlap: the exclusion
constraint ``appointments_no_overlap`` refuses the second of two concurrent bookings
of the same time, which surfaces here as :class:`SlotTaken`. Writes take a per-resource
advisory lock first: without it, two concurrent inserts checking the constraint can
deadlock (PostgreSQL then aborts one with DeadlockDetected instead of a clean refusal).
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import psycopg

from agent.domain import Appointment
from agent.profile import BusinessProfile
from agent.storage.database import Database, DatabaseUnavailable

from .calendar import (
    AppointmentNotFound,
    CalendarError,
    Clock,
    SlotTaken,
    check_slot,
    normalize_phone,
    time_range,
)
from .slots import Slot, free_slots

log = logging.getLogger(__name__)


class CalendarUnavailable(CalendarError):
    """The calendar's database cannot be used right now."""


_COLUMNS = "id, appointment_type, starts_at, ends_at, name, phone, note, status, call_id"


def _appointment(row: tuple[Any, ...]) -> Appointment:
    id_, kind, start, end, name, phone, note, status, call_id = row
    return Appointment(
        id=str(id_),
        appointment_type=kind,
        start=start,
        end=end,
        name=name,
        phone=phone,
        note=note,
        status=status,
        call_id=None if call_id is None else str(call_id),
    )


def _uuid(value: str | None) -> uuid.UUID | None:
    return None if value is None else uuid.UUID(value)


class PostgresCalendar:
    """A :class:`~agent.actions.calendar.Calendar` on the project's database."""

    def __init__(
        self, db: Database, profile: BusinessProfile, clock: Clock, resource: str = "default"
    ) -> None:
        self._db = db
        self._profile = profile
        self._clock = clock
        self._resource = resource
        self._buffer = timedelta(minutes=profile.slot_buffer_min)

    def use_profile(self, profile: BusinessProfile) -> None:
        self._profile = profile

    async def _fetch(
        self, query: str, params: tuple[Any, ...], *, serialize: bool = False
    ) -> list[tuple[Any, ...]]:
        """Run one statement. ``serialize``: in a transaction holding this resource's
        advisory lock, so concurrent bookings queue instead of deadlocking on the
        exclusion constraint (the constraint still decides who gets the slot)."""
        try:
            async with self._db.connection() as conn, conn.transaction():
                if serialize:
                    await conn.execute(
                        "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                        (f"rufbereit.calendar:{self._resource}",),
                    )
                cur = await conn.execute(query, params)
                return list(await cur.fetchall()) if cur.description else []
        except psycopg.errors.ExclusionViolation:
            raise SlotTaken("the slot overlaps another appointment") from None
        except DatabaseUnavailable as exc:
            log.warning("calendar database unavailable", extra={"error": str(exc)})
            raise CalendarUnavailable(str(exc)) from None

    async def free_slots(
        self,
        start: date | datetime,
        end: date | datetime | None = None,
        *,
        appointment_type: str,
        limit: int = 20,
    ) -> list[Slot]:
        first, last = time_range(self._profile, start, end)
        rows = await self._fetch(
            "SELECT starts_at, ends_at FROM appointments WHERE resource = %s"
            " AND status = 'booked' AND starts_at < %s AND blocked_until > %s",
            (self._resource, last + timedelta(days=1), first - timedelta(days=1)),
        )
        busy = [(r[0], r[1]) for r in rows]
        return free_slots(
            self._profile,
            appointment_type,
            first,
            last,
            busy,
            now=self._clock(),
            limit=limit,
        )

    async def book(
        self, slot: Slot, *, name: str, phone: str, note: str = "", call_id: str | None = None
    ) -> Appointment:
        check_slot(self._profile, slot, self._clock())
        rows = await self._fetch(
            "INSERT INTO appointments (id, resource, appointment_type, starts_at, ends_at,"
            " blocked_until, name, phone, phone_digits, note, call_id, created_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            f" RETURNING {_COLUMNS}",
            (
                uuid.uuid4(),
                self._resource,
                slot.appointment_type,
                slot.start,
                slot.end,
                slot.end + self._buffer,
                name,
                phone,
                normalize_phone(phone),
                note,
                _uuid(call_id),
                self._clock(),  # booked when the call says (as leads, orders, messages are)
            ),
            serialize=True,
        )
        log.info("appointment booked", extra={"appointment_id": str(rows[0][0])})
        return _appointment(rows[0])

    async def reschedule(self, appointment_id: str, slot: Slot) -> Appointment:
        check_slot(self._profile, slot, self._clock())
        rows = await self._fetch(
            "UPDATE appointments SET starts_at = %s, ends_at = %s, blocked_until = %s,"
            " appointment_type = %s, updated_at = now()"
            " WHERE id = %s AND status = 'booked'"
            f" RETURNING {_COLUMNS}",
            (
                slot.start,
                slot.end,
                slot.end + self._buffer,
                slot.appointment_type,
                uuid.UUID(appointment_id),
            ),
            serialize=True,
        )
        if not rows:
            raise AppointmentNotFound(appointment_id)
        return _appointment(rows[0])

    async def cancel(self, appointment_id: str) -> Appointment:
        rows = await self._fetch(
            "UPDATE appointments SET status = 'cancelled', updated_at = now()"
            f" WHERE id = %s AND status = 'booked' RETURNING {_COLUMNS}",
            (uuid.UUID(appointment_id),),
        )
        if not rows:
            raise AppointmentNotFound(appointment_id)
        return _appointment(rows[0])

    async def find_by_phone(
        self, phone: str, *, after: datetime | None = None
    ) -> list[Appointment]:
        rows = await self._fetch(
            f"SELECT {_COLUMNS} FROM appointments WHERE resource = %s AND phone_digits = %s"
            " AND status = 'booked' AND ends_at > %s ORDER BY starts_at",
            (self._resource, normalize_phone(phone), after or self._clock()),
        )
        return [_appointment(r) for r in rows]

    async def appointments(self) -> list[Appointment]:
        rows = await self._fetch(
            f"SELECT {_COLUMNS} FROM appointments WHERE resource = %s ORDER BY starts_at, id",
            (self._resource,),
        )
        return [_appointment(r) for r in rows]
