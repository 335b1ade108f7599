"""A calendar that tells the caller: confirmation, reminders, reschedule and cancel notices.

:class:`NotifyingCalendar` wraps any :class:`~agent.actions.calendar.Calendar` (the
PostgreSQL or CalDAV one) and queues the notices of each change in
:class:`~agent.actions.reminders.AppointmentNotices`, so the dialogue's executor needs
no change. SMS go to the booked phone number when it is a mobile number; e-mail needs
an address, which the dialogue may pass in the booking's ``email`` (see :meth:`book`).
A notice that cannot be queued (database trouble) is logged, never fails the booking.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from agent.domain import Appointment
from agent.profile import Language
from agent.storage.database import DatabaseUnavailable

from .calendar import Calendar, normalize_phone
from .reminders import AppointmentNotices
from .slots import Slot

log = logging.getLogger(__name__)

_MOBILE_PREFIXES = ("015", "016", "017")


def mobile_number(phone: str) -> str | None:
    """``phone`` as +49... when it is a German mobile number, else None."""
    digits = normalize_phone(phone)
    if digits.startswith(_MOBILE_PREFIXES) and len(digits) >= 10:
        return "+49" + digits[1:]
    return None


class NotifyingCalendar:
    def __init__(
        self, inner: Calendar, notices: AppointmentNotices, *, language: Language = "de"
    ) -> None:
        self._inner = inner
        self._notices = notices
        self._language = language

    async def free_slots(
        self,
        start: date | datetime,
        end: date | datetime | None = None,
        *,
        appointment_type: str,
        limit: int = 20,
    ) -> list[Slot]:
        return await self._inner.free_slots(
            start, end, appointment_type=appointment_type, limit=limit
        )

    async def book(
        self,
        slot: Slot,
        *,
        name: str,
        phone: str,
        note: str = "",
        call_id: str | None = None,
        email: str | None = None,
    ) -> Appointment:
        appt = await self._inner.book(slot, name=name, phone=phone, note=note, call_id=call_id)
        try:
            await self._notices.booked(
                appt, email=email, sms=mobile_number(phone), language=self._language
            )
        except DatabaseUnavailable as exc:
            log.warning("appointment notices not queued",
                        extra={"appointment_id": appt.id, "error": str(exc)})  # fmt: skip
        return appt

    async def reschedule(self, appointment_id: str, slot: Slot) -> Appointment:
        appt = await self._inner.reschedule(appointment_id, slot)
        try:
            await self._notices.rescheduled(appt)
        except DatabaseUnavailable as exc:
            log.warning("reschedule notices not queued",
                        extra={"appointment_id": appt.id, "error": str(exc)})  # fmt: skip
        return appt

    async def cancel(self, appointment_id: str) -> Appointment:
        appt = await self._inner.cancel(appointment_id)
        try:
            await self._notices.cancelled(appt)
        except DatabaseUnavailable as exc:
            log.warning("cancel notices not queued",
                        extra={"appointment_id": appt.id, "error": str(exc)})  # fmt: skip
        return appt

    async def find_by_phone(
        self, phone: str, *, after: datetime | None = None
    ) -> list[Appointment]:
        return await self._inner.find_by_phone(phone, after=after)

    async def appointments(self) -> list[Appointment]:
        return await self._inner.appointments()
