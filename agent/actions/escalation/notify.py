"""SMS and e-mail about an escalation: the :class:`Notifier` interface.

The real SMTP / SMS gateway senders plug in behind :class:`Notifier`;
:class:`RecordingNotifier` stores every notification in ``escalation_notifications``
(one per escalation, person, channel and purpose: a resumed escalation never sends
the same message twice) and logs it.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Literal, Protocol

from agent.actions.notifying_calendar import mobile_number
from agent.storage.database import Database

from .model import Contact, EscalationRecord
from .texts import caller_acknowledged_sms

log = logging.getLogger(__name__)

Channel = Literal["sms", "email"]
#: ``acknowledged`` / ``exhausted``: to the technicians; ``caller_acknowledged``: to the
#: caller who was not told on the line that a technician took the emergency.
Purpose = Literal["acknowledged", "exhausted", "caller_acknowledged"]


@dataclass(frozen=True, slots=True)
class Notification:
    escalation_id: uuid.UUID
    person: str
    channel: Channel
    address: str
    purpose: Purpose
    subject: str
    body: str


class Notifier(Protocol):
    async def send(self, notification: Notification) -> bool:
        """Send (or queue) it; False if it was sent before (idempotent)."""
        ...


class RecordingNotifier:
    """Records notifications in the database and logs them; sends nothing itself."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def send(self, notification: Notification) -> bool:
        n = notification
        async with self._db.connection() as conn:
            cur = await conn.execute(
                "INSERT INTO escalation_notifications (escalation_id, person, channel, address,"
                " purpose, subject, body) VALUES (%s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (escalation_id, person, channel, purpose) DO NOTHING",
                (n.escalation_id, n.person, n.channel, n.address, n.purpose, n.subject, n.body),
            )
            fresh = cur.rowcount == 1
        extra = {"escalation_id": str(n.escalation_id), "channel": n.channel, "purpose": n.purpose}
        if fresh:
            log.info("escalation notification recorded", extra=extra)
            log.debug(
                "escalation notification", extra={**extra, "address": n.address, "body": n.body}
            )
        return fresh

    async def mark(self, n: Notification, status: Literal["sent", "failed"]) -> None:
        """What became of it: ``recorded`` (default), then ``sent`` or ``failed``."""
        async with self._db.connection() as conn:
            await conn.execute(
                "UPDATE escalation_notifications SET status = %s WHERE escalation_id = %s"
                " AND person = %s AND channel = %s AND purpose = %s",
                (status, n.escalation_id, n.person, n.channel, n.purpose),
            )

    async def status(self, n: Notification) -> str | None:
        async with self._db.connection() as conn:
            cur = await conn.execute(
                "SELECT status FROM escalation_notifications WHERE escalation_id = %s"
                " AND person = %s AND channel = %s AND purpose = %s",
                (n.escalation_id, n.person, n.channel, n.purpose),
            )
            row = await cur.fetchone()
        return str(row[0]) if row else None

    async def sent(self, escalation_id: uuid.UUID) -> list[Notification]:
        async with self._db.connection() as conn:
            cur = await conn.execute(
                "SELECT person, channel, address, purpose, subject, body FROM"
                " escalation_notifications WHERE escalation_id = %s ORDER BY id",
                (escalation_id,),
            )
            rows = await cur.fetchall()
        return [Notification(escalation_id, r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]


async def notify_people(
    notifier: Notifier,
    escalation_id: uuid.UUID,
    kind: str,
    body: str,
    people: list[Contact],
    purpose: Purpose,
) -> None:
    """SMS and e-mail to each of ``people`` who has an address; failures are logged."""
    prefix = "Notfall übernommen: " if purpose == "acknowledged" else "Notfall NICHT übernommen: "
    for p in people:
        routes: tuple[tuple[Channel, str | None], ...] = (("sms", p.sms), ("email", p.email))
        for channel, address in routes:
            if not address:
                continue
            n = Notification(escalation_id, p.name, channel, address, purpose, prefix + kind, body)
            try:
                await notifier.send(n)
            except Exception:
                log.exception(
                    "notification failed",
                    extra={"escalation_id": str(escalation_id), "channel": channel},
                )


async def notify_caller(
    notifier: Notifier, rec: EscalationRecord, person: str, business: str
) -> bool:
    """SMS to the escalation's caller that ``person`` took it (their number must be a
    mobile number, as for appointment notices). True when it was new."""
    number = rec.emergency.caller_number
    address = mobile_number(number) if number else None
    if address is None:
        log.info("caller not notified: no mobile number", extra={"escalation_id": str(rec.id)})
        return False
    subject, body = caller_acknowledged_sms(rec.language, business, person)
    who = rec.emergency.caller_name or "Anrufer"
    n = Notification(rec.id, who, "sms", address, "caller_acknowledged", subject, body)
    try:
        return await notifier.send(n)
    except Exception:
        log.exception("notification failed", extra={"escalation_id": str(rec.id), "channel": "sms"})
        return False
