"""A calendar that also respects a CalDAV calendar (Nextcloud, Radicale, ...).

:class:`CalDavCalendar` wraps :class:`~agent.actions.calendar_pg.PostgresCalendar`:
PostgreSQL stays the record of bookings and still refuses double bookings; the CalDAV
calendar's busy times (the boss's own entries) remove slots, and every booking is
written there as an event, moved on reschedule and deleted on cancel.

CalDAV is reached in a thread with a short timeout. When it is down the calendar falls
back to the database alone and logs a warning: the caller still gets a slot. Event
writes that fail are kept in ``calendar_events.pending`` and pushed by :meth:`sync`.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from agent.domain import Appointment
from agent.profile import BusinessProfile
from agent.storage.database import Database, DatabaseUnavailable

from . import caldav_client as dav
from .calendar import Clock, SlotTaken, time_range
from .calendar_pg import PostgresCalendar
from .notify_texts import type_label
from .settings import CalDavSettings
from .slots import Slot, blocked, overlaps

log = logging.getLogger(__name__)
T = TypeVar("T")
_MANY = 5000  # free slots asked of the database before CalDAV's busy times are removed


class CalDavUnavailable(Exception):
    """The CalDAV server did not answer in time or refused."""


class CalDavCalendar:
    """A :class:`~agent.actions.calendar.Calendar`: PostgreSQL + a CalDAV calendar."""

    def __init__(
        self,
        inner: PostgresCalendar,
        db: Database,
        profile: BusinessProfile,
        settings: CalDavSettings,
        clock: Clock,
    ) -> None:
        self._inner = inner
        self._db = db
        self._profile = profile
        self._settings = settings
        self._clock = clock
        self._buffer = timedelta(minutes=profile.slot_buffer_min)

    async def _dav(self, fn: Callable[..., T], *args: Any) -> T:
        try:
            return await asyncio.wait_for(
                asyncio.to_thread(fn, self._settings, *args), self._settings.timeout_s + 1.0
            )
        except TimeoutError:
            raise CalDavUnavailable("no answer in time") from None
        except dav.CALDAV_ERRORS as exc:
            raise CalDavUnavailable(f"{type(exc).__name__}: {exc}"[:300]) from None

    async def busy(self, start: datetime, end: datetime) -> list[dav.Busy] | None:
        """CalDAV's busy times in ``[start, end)``; None (and a warning) when unreachable."""
        try:
            return await self._dav(dav.busy_times, start, end, self._profile.tz)
        except CalDavUnavailable as exc:
            log.warning(
                "CalDAV unavailable; offering slots from the database only",
                extra={"error": str(exc)},
            )
            return None

    def _clashes(self, slot: Slot, busy: list[dav.Busy]) -> bool:
        mine = blocked(slot.start, slot.end, self._buffer)
        return any(overlaps(mine, blocked(s, e, self._buffer)) for s, e in busy)

    async def free_slots(
        self,
        start: date | datetime,
        end: date | datetime | None = None,
        *,
        appointment_type: str,
        limit: int = 20,
    ) -> list[Slot]:
        first, last = time_range(self._profile, start, end)
        slots = await self._inner.free_slots(first, last, appointment_type=appointment_type,
                                             limit=_MANY)  # fmt: skip
        if not slots:
            return []
        busy = await self.busy(slots[0].start - self._buffer - timedelta(days=1),
                               slots[-1].end + self._buffer + timedelta(days=1))  # fmt: skip
        if busy:
            slots = [s for s in slots if not self._clashes(s, busy)]
        return slots[:limit]

    async def _check_dav(self, slot: Slot) -> None:
        busy = await self.busy(slot.start - timedelta(days=1), slot.end + timedelta(days=1))
        if busy and self._clashes(slot, busy):
            raise SlotTaken("the slot overlaps an entry in the CalDAV calendar")

    async def book(
        self, slot: Slot, *, name: str, phone: str, note: str = "", call_id: str | None = None
    ) -> Appointment:
        await self._check_dav(slot)
        appt = await self._inner.book(slot, name=name, phone=phone, note=note, call_id=call_id)
        await self._write(appt, "put")
        return appt

    async def reschedule(self, appointment_id: str, slot: Slot) -> Appointment:
        await self._check_dav(slot)
        appt = await self._inner.reschedule(appointment_id, slot)
        await self._write(appt, "put")
        return appt

    async def cancel(self, appointment_id: str) -> Appointment:
        appt = await self._inner.cancel(appointment_id)
        await self._write(appt, "delete")
        return appt

    async def find_by_phone(
        self, phone: str, *, after: datetime | None = None
    ) -> list[Appointment]:
        return await self._inner.find_by_phone(phone, after=after)

    async def appointments(self) -> list[Appointment]:
        return await self._inner.appointments()

    # -- the CalDAV copy ---------------------------------------------------------------

    def _summary(self, appt: Appointment) -> str:
        label = type_label(self._profile, appt.appointment_type, self._profile.language)
        return f"{label}: {appt.name}"

    async def _mark(self, appointment_id: str, pending: str | None, error: str | None) -> None:
        try:
            async with self._db.connection() as conn:
                await conn.execute(
                    "INSERT INTO calendar_events (appointment_id, calendar_url, uid, pending,"
                    " last_error) VALUES (%s, %s, %s, %s, %s) ON CONFLICT (appointment_id)"
                    " DO UPDATE SET pending = EXCLUDED.pending, last_error = EXCLUDED.last_error,"
                    " calendar_url = EXCLUDED.calendar_url, updated_at = now()",
                    (uuid.UUID(appointment_id), self._settings.url, dav.uid_for(appointment_id),
                     pending, error),
                )  # fmt: skip
        except DatabaseUnavailable as exc:
            log.warning("calendar_events not updated", extra={"error": str(exc)})

    async def _write(self, appt: Appointment, op: str) -> bool:
        if not self._settings.write_events:
            return True
        await self._mark(appt.id, op, None)
        try:
            if op == "put":
                await self._dav(dav.put_event, appt, self._summary(appt), self._clock())
            else:
                await self._dav(dav.delete_event, appt.id)
        except CalDavUnavailable as exc:
            log.warning(
                "CalDAV event not written; will retry",
                extra={"appointment_id": appt.id, "op": op, "error": str(exc)},
            )
            await self._mark(appt.id, op, str(exc))
            return False
        await self._mark(appt.id, None, None)
        log.info("CalDAV event written", extra={"appointment_id": appt.id, "op": op})
        return True

    async def sync(self) -> int:
        """Push the event writes that failed before; return how many are still pending."""
        async with self._db.connection() as conn:
            cur = await conn.execute(
                "SELECT appointment_id, pending FROM calendar_events WHERE pending IS NOT NULL"
            )
            rows = await cur.fetchall()
        by_id = {a.id: a for a in await self._inner.appointments()}
        left = 0
        for appointment_id, op in rows:
            appt = by_id.get(str(appointment_id))
            if appt is None:
                continue
            if appt.status == "cancelled":
                op = "delete"
            left += 0 if await self._write(appt, str(op)) else 1
        return left
