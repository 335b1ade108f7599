"""Confirmations and reminders of appointments, by e-mail and SMS, durable in PostgreSQL.

:class:`AppointmentNotices` turns calendar changes into rows of ``appointment_notices``:
a booking queues a confirmation (due now) and one reminder per lead time and channel
(due ``start - lead``; leads already past are skipped); a reschedule queues a notice
and moves the pending reminders (already sent ones are armed again for the new time);
a cancellation queues a notice and cancels the reminders.

:class:`NoticeSweeper` sends what is due: it claims a row with ``FOR UPDATE SKIP
LOCKED`` (two sweepers never send the same notice), sends it through the channel's
notifier and marks it sent; a failure is retried with backoff up to ``max_attempts``.
Reminders whose appointment was cancelled or has started are dropped. Nothing lives
only in memory: after a restart the sweeper sends whatever became due meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from agent.domain import Appointment
from agent.profile import BusinessProfile, Language
from agent.storage.database import Connection, Database, DatabaseUnavailable

from .notify_mail import NotifyError
from .notify_texts import NoticeKind, notice
from .settings import ReminderSettings

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


class Notifier(Protocol):
    """Sends one message; raises :class:`~agent.actions.notify_mail.NotifyError`."""

    channel: str

    async def send(self, to: str, subject: str, text: str) -> None: ...


def _utcnow() -> datetime:
    return datetime.now(UTC)


def reminder_leads(settings: ReminderSettings) -> list[timedelta]:
    return [timedelta(minutes=m) for m in settings.before_min]


class AppointmentNotices:
    """Queues the notices of one business's appointments."""

    def __init__(
        self,
        db: Database,
        *,
        leads: Sequence[timedelta],
        channels: Sequence[str],
        clock: Clock = _utcnow,
        on_queued: Callable[[], None] | None = None,
    ) -> None:
        self._db = db
        self._leads = list(leads)
        self._channels = list(channels)
        self._clock = clock
        self._on_queued = on_queued or (lambda: None)

    async def _queue(
        self,
        conn: Connection,
        appt: Appointment,
        kind: NoticeKind,
        channel: str,
        to: str,
        language: str,
        due: datetime,
        lead_s: int = 0,
    ) -> None:
        await conn.execute(
            "INSERT INTO appointment_notices (id, appointment_id, kind, channel, recipient,"
            " language, lead_s, due_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT DO NOTHING",
            (uuid.uuid4(), uuid.UUID(appt.id), kind, channel, to, language, lead_s, due),
        )

    async def booked(
        self,
        appt: Appointment,
        *,
        email: str | None = None,
        sms: str | None = None,
        language: Language = "de",
    ) -> None:
        """Queue the confirmation and the reminders for the given addresses."""
        now = self._clock()
        targets = [(c, to) for c, to in (("email", email), ("sms", sms))
                   if to and c in self._channels]  # fmt: skip
        async with self._db.connection() as conn, conn.transaction():
            for channel, to in targets:
                await self._queue(conn, appt, "confirmed", channel, to, language, now)
                for lead in self._leads:
                    if appt.start - lead > now:
                        await self._queue(conn, appt, "reminder", channel, to, language,
                                          appt.start - lead, int(lead.total_seconds()))  # fmt: skip
        channels = [c for c, _ in targets]
        log.info("appointment notices queued",
                 extra={"appointment_id": appt.id, "channels": channels})  # fmt: skip
        self._on_queued()

    async def _recipients(self, conn: Connection, appt: Appointment) -> list[tuple[Any, ...]]:
        cur = await conn.execute(
            "SELECT DISTINCT channel, recipient, language FROM appointment_notices"
            " WHERE appointment_id = %s",
            (uuid.UUID(appt.id),),
        )
        return list(await cur.fetchall())

    async def rescheduled(self, appt: Appointment) -> None:
        """Tell the caller the new time; move the reminders to it."""
        now = self._clock()
        async with self._db.connection() as conn, conn.transaction():
            for channel, to, language in await self._recipients(conn, appt):
                await self._queue(conn, appt, "rescheduled", channel, to, language, now)
            await conn.execute(
                "UPDATE appointment_notices SET due_at = %s - make_interval(secs => lead_s),"
                " status = CASE WHEN %s - make_interval(secs => lead_s) > %s"
                " THEN 'pending' ELSE 'cancelled' END, sent_at = NULL, attempts = 0"
                " WHERE appointment_id = %s AND kind = 'reminder'",
                (appt.start, appt.start, now, uuid.UUID(appt.id)),
            )
        self._on_queued()

    async def cancelled(self, appt: Appointment) -> None:
        """Tell the caller the appointment is off; cancel the reminders. A confirmation
        not sent yet still goes out first (due earlier), so the caller's messages agree."""
        now = self._clock()
        async with self._db.connection() as conn, conn.transaction():
            await conn.execute(
                "UPDATE appointment_notices SET status = 'cancelled'"
                " WHERE appointment_id = %s AND status = 'pending' AND kind = 'reminder'",
                (uuid.UUID(appt.id),),
            )
            for channel, to, language in await self._recipients(conn, appt):
                await self._queue(conn, appt, "cancelled", channel, to, language, now)
        self._on_queued()


_CLAIM = (
    "SELECT n.id, n.kind, n.channel, n.recipient, n.language, n.attempts, a.id,"
    " a.appointment_type, a.starts_at, a.ends_at, a.name, a.phone, a.note, a.status"
    " FROM appointment_notices n JOIN appointments a ON a.id = n.appointment_id"
    " WHERE n.status = 'pending' AND n.due_at <= %s"
    " ORDER BY n.due_at LIMIT 1 FOR UPDATE OF n SKIP LOCKED"
)


class NoticeSweeper:
    """Sends due notices through ``notifiers`` (by channel) until stopped."""

    def __init__(
        self,
        db: Database,
        profile: BusinessProfile,
        notifiers: Mapping[str, Notifier],
        settings: ReminderSettings,
        *,
        clock: Clock = _utcnow,
        retry_s: float = 60.0,
    ) -> None:
        self._db = db
        self._profile = profile
        self._notifiers = dict(notifiers)
        self._settings = settings
        self._clock = clock
        self._retry_s = retry_s
        self._wake = asyncio.Event()

    def notify(self) -> None:
        self._wake.set()

    async def _finish(self, conn: Connection, id_: Any, status: str, error: str | None) -> None:
        await conn.execute(
            "UPDATE appointment_notices SET status = %s, last_error = %s, attempts = attempts + 1,"
            " sent_at = CASE WHEN %s = 'sent' THEN %s END WHERE id = %s",
            (status, error, status, self._clock(), id_),
        )

    async def send_one(self) -> bool | None:
        """Send one due notice: True sent, False failed or dropped, None if nothing is due."""
        now = self._clock()
        async with self._db.connection() as conn, conn.transaction():
            cur = await conn.execute(_CLAIM, (now,))
            row = await cur.fetchone()
            if row is None:
                return None
            id_, kind, channel, to, language, attempts = row[:6]
            appt = Appointment(str(row[6]), row[7], row[8], row[9], row[10], row[11], row[12],
                               row[13])  # fmt: skip
            if kind == "reminder" and (appt.status != "booked" or appt.start <= now):
                await self._finish(conn, id_, "cancelled", "appointment cancelled or started")
                return False
            notifier = self._notifiers.get(channel)
            if notifier is None:
                await self._finish(conn, id_, "failed", f"no {channel} notifier configured")
                return False
            text = notice(self._profile, appt, kind, language)
            body = text.short if channel == "sms" else text.text
            try:
                await notifier.send(to, text.subject, body)
            except NotifyError as exc:
                if attempts + 1 >= self._settings.max_attempts:
                    await self._finish(conn, id_, "failed", str(exc)[:500])
                else:
                    delay = self._retry_s * 2**attempts
                    await conn.execute(
                        "UPDATE appointment_notices SET attempts = attempts + 1, last_error = %s,"
                        " due_at = %s WHERE id = %s",
                        (str(exc)[:500], now + timedelta(seconds=delay), id_),
                    )
                log.warning("appointment notice not sent",
                            extra={"notice_id": str(id_), "kind": kind, "channel": channel,
                                   "attempt": attempts + 1})  # fmt: skip
                return False
            await self._finish(conn, id_, "sent", None)
            log.info("appointment notice sent",
                     extra={"notice_id": str(id_), "kind": kind, "channel": channel,
                            "appointment_id": appt.id})  # fmt: skip
            return True

    async def run_once(self) -> int:
        sent = 0
        while (result := await self.send_one()) is not None:
            sent += int(result)
        return sent

    async def _next_due(self) -> datetime | None:
        async with self._db.connection() as conn:
            cur = await conn.execute(
                "SELECT min(due_at) FROM appointment_notices WHERE status = 'pending'"
            )
            row = await cur.fetchone()
        return None if row is None else row[0]

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Send due notices until ``stop``; sleeps until the next due time (at most
        ``poll_s``) or until :meth:`notify`."""
        stop = stop or asyncio.Event()
        while not stop.is_set():
            wait = self._settings.poll_s
            self._wake.clear()  # before looking: a notify() from now on is not lost
            try:
                await self.run_once()
                due = await self._next_due()
                if due is not None:
                    wait = max(0.0, min(wait, (due - self._clock()).total_seconds()))
            except DatabaseUnavailable as exc:
                log.warning("notices: database unavailable", extra={"error": str(exc)})
            waits = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
            try:
                await asyncio.wait(waits, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for w in waits:
                    w.cancel()
