"""Confirmations and reminders: real PostgreSQL, a real SMTP server, a local SMS receiver.
Reminders are seconds before the appointment here, so the tests watch them fire."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from agent.actions.notify_mail import MailNotifier
from agent.actions.notify_sms import SmsNotifier
from agent.actions.reminders import AppointmentNotices, NoticeSweeper
from agent.actions.settings import ReminderSettings, SmsSettings, SmtpSettings
from agent.domain import Appointment
from agent.storage import Database
from tests.support.smtp import Mailbox

from .receiver import Receiver, free_port
from .support import profile

pytestmark = pytest.mark.postgres


async def insert_appointment(db: Database, start: datetime) -> Appointment:
    appt = Appointment(str(uuid.uuid4()), "Heizungswartung", start, start + timedelta(hours=1),
                       "Anna Bauer", "0171 2345678")  # fmt: skip
    async with db.connection() as conn:
        await conn.execute(
            "INSERT INTO appointments (id, resource, appointment_type, starts_at, ends_at,"
            " blocked_until, name, phone, phone_digits)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (uuid.UUID(appt.id), appt.id, appt.appointment_type, appt.start, appt.end, appt.end,
             appt.name, appt.phone, "01712345678"),
        )  # fmt: skip
    return appt


async def move(db: Database, appt: Appointment, start: datetime) -> Appointment:
    new = replace(appt, start=start, end=start + timedelta(hours=1))
    async with db.connection() as conn:
        await conn.execute(
            "UPDATE appointments SET starts_at = %s, ends_at = %s, blocked_until = %s"
            " WHERE id = %s",
            (new.start, new.end, new.end, uuid.UUID(appt.id)),
        )
    return new


async def wait_until(cond: object, within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while not cond():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


class Setup:
    def __init__(self, db: Database, box: Mailbox, smtp_port: int, receiver: Receiver) -> None:
        self.db, self.box, self.receiver = db, box, receiver
        self.settings = ReminderSettings(poll_s=30.0, max_attempts=5)
        self.mail = MailNotifier(SmtpSettings(port=smtp_port, sender="termine@firma.example"))
        self.sms = SmsNotifier(
            SmsSettings.model_validate({"url": receiver.url + "/sms", "body": "{to}|{text}",
                                        "content_type": "text/plain"})
        )  # fmt: skip
        self.sweeper = NoticeSweeper(db, profile(), {"email": self.mail, "sms": self.sms},
                                     self.settings, retry_s=0.3)  # fmt: skip

    def notices(self, *leads_s: float) -> AppointmentNotices:
        leads = [timedelta(seconds=s) for s in leads_s]
        return AppointmentNotices(self.db, leads=leads, channels=["email", "sms"],
                                  on_queued=self.sweeper.notify)  # fmt: skip

    def subjects(self) -> list[str]:
        return [str(m["Subject"]).split(":")[0] for m in self.box.messages]

    def sms_texts(self) -> list[str]:
        return [r.body.decode() for r in self.receiver.received()]


@pytest.fixture
async def setup(
    migrated_db: Database, smtp_server: tuple[Mailbox, int], receiver: Receiver
) -> AsyncIterator[Setup]:
    s = Setup(migrated_db, smtp_server[0], smtp_server[1], receiver)
    stop = asyncio.Event()
    task = asyncio.create_task(s.sweeper.run(stop))
    try:
        yield s
    finally:
        stop.set()
        await task


async def test_confirmation_at_once_and_reminders_at_their_time(setup: Setup) -> None:
    start = datetime.now(UTC) + timedelta(seconds=8)
    t0 = time.monotonic()
    appt = await insert_appointment(setup.db, start)
    await setup.notices(6, 3).booked(appt, email="anna@example.org", sms="+491712345678")
    await setup.box.wait_for(1)
    assert setup.box.arrived[0] - t0 < 1.0  # confirmation: at once
    await wait_until(lambda: len(setup.box.messages) == 3 and len(setup.receiver.received()) == 3)
    assert setup.subjects() == ["Terminbestätigung", "Terminerinnerung", "Terminerinnerung"]
    late = [setup.box.arrived[1] - (t0 + 2), setup.box.arrived[2] - (t0 + 5)]
    sms_late = [
        setup.receiver.received()[1].at - (t0 + 2),
        setup.receiver.received()[2].at - (t0 + 5),
    ]
    print(f"reminder delay after due time: e-mail {late}, sms {sms_late} s")
    assert all(-0.1 < d < 1.0 for d in late + sms_late), (late, sms_late)
    assert setup.sms_texts()[0].startswith("+491712345678|Müller Sanitär GmbH: Terminbestätigung")
    assert "Terminerinnerung" in setup.sms_texts()[1]
    await asyncio.sleep(0.5)
    assert len(setup.box.messages) == 3  # each exactly once


async def test_reschedule_moves_reminders_and_cancel_stops_them(setup: Setup) -> None:
    now = datetime.now(UTC)
    t0 = time.monotonic()
    a = await insert_appointment(setup.db, now + timedelta(seconds=3))
    b = await insert_appointment(setup.db, now + timedelta(seconds=4))
    notices = setup.notices(2)
    await notices.booked(a, email="a@example.org")
    await notices.booked(b, email="b@example.org")
    a = await move(setup.db, a, now + timedelta(seconds=5))
    await notices.rescheduled(a)
    await notices.cancelled(b)
    await wait_until(lambda: len(setup.box.messages) >= 5)
    got = {(str(m["To"]), str(m["Subject"]).split(":")[0]) for m in setup.box.messages}
    assert got == {
        ("a@example.org", "Terminbestätigung"), ("a@example.org", "Termin verschoben"),
        ("a@example.org", "Terminerinnerung"),
        ("b@example.org", "Terminbestätigung"), ("b@example.org", "Termin abgesagt"),
    }  # fmt: skip
    reminder = setup.subjects().index("Terminerinnerung")
    assert setup.box.arrived[reminder] - t0 > 2.9  # at the new time (3 s), not the old (1 s)
    await asyncio.sleep(1.0)
    assert len(setup.box.messages) == 5  # nothing for the cancelled one


async def test_mail_server_down_retried_and_missed_reminders_sent_after_restart(
    migrated_db: Database, receiver: Receiver
) -> None:
    from aiosmtpd.controller import Controller

    port = free_port()
    box = Mailbox()
    s = Setup(migrated_db, box, port, receiver)
    appt = await insert_appointment(migrated_db, datetime.now(UTC) + timedelta(seconds=30))
    await s.notices(28).booked(appt, email="anna@example.org")
    await asyncio.sleep(2.5)  # no sweeper ran: the reminder is overdue ("agent was down")
    assert await s.sweeper.run_once() == 0  # SMTP down: both fail, retried later
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        fresh = NoticeSweeper(migrated_db, profile(), {"email": s.mail}, s.settings,
                              retry_s=0.3)  # fmt: skip
        await asyncio.sleep(0.4)
        assert await fresh.run_once() == 2
        assert s.subjects() == ["Terminbestätigung", "Terminerinnerung"]
        assert await fresh.run_once() == 0
    finally:
        controller.stop()
