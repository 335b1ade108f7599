"""Booking, rescheduling and cancelling through the dialogue's executor with everything
real: PostgreSQL, radicale (CalDAV), aiosmtpd; SMS through a local receiver."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta

import pytest

from agent.actions.caldav_calendar import CalDavCalendar
from agent.actions.caldav_client import uid_for
from agent.actions.calendar_pg import PostgresCalendar
from agent.actions.notify_sms import SmsNotifier
from agent.actions.notifying_calendar import NotifyingCalendar, mobile_number
from agent.actions.records import InMemoryRecordStore
from agent.actions.reminders import AppointmentNotices, NoticeSweeper
from agent.actions.settings import CalDavSettings, ReminderSettings, SmsSettings
from agent.dialogue.executor import perform
from agent.domain import BookAppointment, CancelAppointment, RescheduleAppointment
from agent.storage import Database

from .conftest import Radicale
from .receiver import Receiver
from .support import TZ, profile
from .test_caldav_calendar import make_calendar

pytestmark = pytest.mark.postgres
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=TZ)


def test_mobile_numbers() -> None:
    assert mobile_number("0171 2345678") == "+491712345678"
    assert mobile_number("+49 151 12345678") == "+4915112345678"
    assert mobile_number("089 1234560") is None


async def test_book_reschedule_cancel_update_everything(
    migrated_db: Database, radicale: Radicale, receiver: Receiver
) -> None:
    cal, settings = make_calendar(radicale)
    p = profile()
    dav = CalDavCalendar(PostgresCalendar(migrated_db, p, lambda: NOW), migrated_db, p,
                         settings, lambda: NOW)  # fmt: skip
    sms = SmsNotifier(SmsSettings.model_validate({"url": receiver.url, "body": "{text}",
                                                  "content_type": "text/plain"}))  # fmt: skip
    sweeper = NoticeSweeper(migrated_db, p, {"sms": sms}, ReminderSettings(), clock=lambda: NOW)
    notices = AppointmentNotices(migrated_db, leads=[timedelta(hours=24), timedelta(hours=2)],
                                 channels=["sms"], clock=lambda: NOW)  # fmt: skip
    calendar = NotifyingCalendar(dav, notices)
    records = InMemoryRecordStore()
    start = datetime(2026, 11, 24, 10, 30, tzinfo=TZ)
    book = BookAppointment("Heizungswartung", start, start + timedelta(hours=1), "Anna Bauer",
                           "0171 2345678")  # fmt: skip
    _, appt_id = await perform(book, calendar=calendar, records=records, now=NOW, call_id=None)
    assert appt_id is not None
    assert await sweeper.run_once() == 1
    assert "Terminbestätigung - Heizungswartung, Dienstag, 24.11.2026 um 10:30 Uhr" in (
        receiver.received()[0].body.decode()
    )
    async with migrated_db.connection() as conn:
        cur = await conn.execute(
            "SELECT due_at FROM appointment_notices WHERE kind = 'reminder' ORDER BY due_at"
        )
        assert [r[0] for r in await cur.fetchall()] == [start - timedelta(hours=24),
                                                        start - timedelta(hours=2)]  # fmt: skip
    new = datetime(2026, 11, 25, 13, 0, tzinfo=TZ)
    move = RescheduleAppointment(appt_id, "Heizungswartung", start, new, new + timedelta(hours=1))
    await perform(move, calendar=calendar, records=records, now=NOW, call_id=None)
    assert cal.event_by_uid(uid_for(appt_id)).icalendar_component["dtstart"].dt == new
    assert await sweeper.run_once() == 1
    assert "Termin verschoben" in receiver.received()[1].body.decode()
    async with migrated_db.connection() as conn:
        cur = await conn.execute(
            "SELECT due_at FROM appointment_notices WHERE kind = 'reminder' ORDER BY due_at"
        )
        assert [r[0] for r in await cur.fetchall()] == [new - timedelta(hours=24),
                                                        new - timedelta(hours=2)]  # fmt: skip
    await perform(CancelAppointment(appt_id, "Heizungswartung", new), calendar=calendar,
                  records=records, now=NOW, call_id=None)  # fmt: skip
    assert cal.events() == []
    assert await sweeper.run_once() == 1
    assert "Termin abgesagt" in receiver.received()[2].body.decode()
    async with migrated_db.connection() as conn:
        cur = await conn.execute(
            "SELECT status, count(*) FROM appointment_notices WHERE kind = 'reminder'"
            " GROUP BY status"
        )
        assert await cur.fetchall() == [("cancelled", 2)]
    assert [a.status for a in await calendar.appointments()] == ["cancelled"]


async def test_caldav_server_that_never_answers_falls_back_in_time(
    migrated_db: Database,
) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(30)
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    settings = CalDavSettings(url=f"http://127.0.0.1:{port}/user/test/", timeout_s=1)
    p = profile()
    dav = CalDavCalendar(PostgresCalendar(migrated_db, p, lambda: NOW), migrated_db, p,
                         settings, lambda: NOW)  # fmt: skip
    try:
        t0 = time.monotonic()
        slots = await dav.free_slots(datetime(2026, 11, 24, tzinfo=TZ).date(),
                                     appointment_type="Heizungswartung")  # fmt: skip
        took = time.monotonic() - t0
    finally:
        server.close()
    assert len(slots) == 15
    assert took < 2.5, took
    print(f"free_slots with a CalDAV server that never answers: {took:.2f} s")
