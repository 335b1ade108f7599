"""CalDavCalendar against a real PostgreSQL and a real CalDAV server (radicale)."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime
from pathlib import Path

import pytest
from caldav.collection import Calendar as DavCalendar
from caldav.davclient import DAVClient
from pydantic import SecretStr

from agent.actions.caldav_calendar import CalDavCalendar
from agent.actions.caldav_client import busy_times, uid_for
from agent.actions.calendar import SlotTaken
from agent.actions.calendar_pg import PostgresCalendar
from agent.actions.settings import CalDavSettings
from agent.actions.slots import Slot
from agent.storage import Database

from .conftest import Radicale
from .receiver import free_port
from .support import TZ, profile

pytestmark = pytest.mark.postgres
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=TZ)  # Monday
TUESDAY = datetime(2026, 11, 24, tzinfo=TZ).date()


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=TZ)


def make_calendar(server: Radicale) -> tuple[DavCalendar, CalDavSettings]:
    client = DAVClient(url=server.url, username="user", password="x", timeout=5)
    cal = client.principal().make_calendar(name="Termine", cal_id="test")
    settings = CalDavSettings.model_validate(
        {"url": server.calendar_url(), "user": "user", "password": "x", "timeout_s": 2}
    )
    return cal, settings


def add_event(cal: DavCalendar, uid: str, start: str, end: str, extra: str = "") -> None:
    cal.save_event(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20261120T000000Z\r\n{start}\r\n{end}\r\n{extra}"
        "SUMMARY:privat\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def calendar(db: Database, settings: CalDavSettings) -> CalDavCalendar:
    p = profile()
    return CalDavCalendar(PostgresCalendar(db, p, lambda: NOW), db, p, settings, lambda: NOW)


def starts(slots: list[Slot]) -> list[str]:
    return [f"{s.start.astimezone(TZ):%a %H:%M}" for s in slots]


async def test_free_slots_across_opening_hours_caldav_events_and_bookings(
    migrated_db: Database, radicale: Radicale
) -> None:
    cal, settings = make_calendar(radicale)
    # Tuesday 09:00-10:00 Berlin (08:00-09:00 UTC): the boss's dentist appointment
    add_event(cal, "ext-1", "DTSTART:20261124T080000Z", "DTEND:20261124T090000Z")
    # Wednesday: all day away
    add_event(cal, "ext-2", "DTSTART;VALUE=DATE:20261125", "DTEND;VALUE=DATE:20261126")
    # Thursday: a transparent (free) entry and a cancelled one change nothing
    add_event(cal, "ext-3", "DTSTART:20261126T080000Z", "DTEND:20261126T150000Z",
              "TRANSP:TRANSPARENT\r\n")  # fmt: skip
    add_event(cal, "ext-4", "DTSTART:20261126T080000Z", "DTEND:20261126T150000Z",
              "STATUS:CANCELLED\r\n")  # fmt: skip
    c = calendar(migrated_db, settings)
    await c.book(Slot(at(24, 14), at(24, 15), "Heizungswartung"), name="A", phone="0171 1")
    t0 = time.monotonic()
    tuesday = await c.free_slots(TUESDAY, appointment_type="Heizungswartung")
    took = time.monotonic() - t0
    # opening hours 07:30-12:00 and 13:00-17:00, 60 min + 30 min buffer:
    # 09:00-10:00 (CalDAV) blocks 08:00-10:00 starts; 14:00 (database) blocks 13:00-15:00
    assert starts(tuesday) == ["Tue 07:30", "Tue 10:30", "Tue 11:00", "Tue 15:30", "Tue 16:00"]
    wednesday = await c.free_slots(at(25, 0), at(26, 0), appointment_type="Heizungswartung")
    assert wednesday == []
    thursday = await c.free_slots(at(26, 0).date(), appointment_type="Heizungswartung")
    assert len(thursday) == 15
    week = await c.free_slots(TUESDAY, at(27, 0).date(), appointment_type="Badberatung", limit=3)
    assert starts(week) == ["Tue 07:30", "Tue 10:30", "Tue 11:00"]
    assert took < 2.0, took
    print(f"free_slots with CalDAV: {took * 1000:.0f} ms")


async def test_book_reschedule_cancel_write_the_caldav_event(
    migrated_db: Database, radicale: Radicale
) -> None:
    cal, settings = make_calendar(radicale)
    add_event(cal, "ext-1", "DTSTART:20261124T080000Z", "DTEND:20261124T090000Z")
    c = calendar(migrated_db, settings)
    with pytest.raises(SlotTaken):  # busy in CalDAV
        await c.book(Slot(at(24, 9, 30), at(24, 10, 30), "Heizungswartung"), name="B", phone="1")
    appt = await c.book(
        Slot(at(24, 13), at(24, 14), "Heizungswartung"), name="Anna Bauer", phone="0171 2"
    )
    ev = cal.event_by_uid(uid_for(appt.id)).icalendar_component
    assert ev["dtstart"].dt == at(24, 13) and "Anna Bauer" in str(ev["summary"])
    assert "Heizungswartung" in str(ev["summary"])
    # our own events are not CalDAV busy times (the database knows them)
    assert busy_times(settings, at(24, 0), at(25, 0), TZ) == [(at(24, 9), at(24, 10))]
    moved = await c.reschedule(appt.id, Slot(at(24, 15), at(24, 16), "Heizungswartung"))
    ev = cal.event_by_uid(uid_for(appt.id)).icalendar_component
    assert ev["dtstart"].dt == moved.start == at(24, 15)
    assert len(cal.events()) == 2
    await c.cancel(appt.id)
    assert [e.icalendar_component["uid"] for e in cal.events()] == ["ext-1"]


async def test_concurrent_double_booking_is_refused(
    migrated_db: Database, pg_database: str, radicale: Radicale
) -> None:
    cal, settings = make_calendar(radicale)
    async with Database(pg_database) as db2:
        a, b = calendar(migrated_db, settings), calendar(db2, settings)
        slot = Slot(at(24, 10, 30), at(24, 11, 30), "Heizungswartung")
        results = await asyncio.gather(
            a.book(slot, name="A", phone="1"), b.book(slot, name="B", phone="2"),
            return_exceptions=True,
        )  # fmt: skip
    assert sorted(type(r).__name__ for r in results) == ["Appointment", "SlotTaken"]
    assert len(cal.events()) == 1


async def test_caldav_down_database_slots_still_offered_then_synced(
    migrated_db: Database, radicale: Radicale, caplog: pytest.LogCaptureFixture
) -> None:
    cal, settings = make_calendar(radicale)
    add_event(cal, "ext-1", "DTSTART:20261124T080000Z", "DTEND:20261124T090000Z")
    c = calendar(migrated_db, settings)
    radicale.stop()
    caplog.set_level(logging.WARNING)
    t0 = time.monotonic()
    slots = await c.free_slots(TUESDAY, appointment_type="Heizungswartung")
    took = time.monotonic() - t0
    assert len(slots) == 15  # the database's view: every slot of the day
    assert "CalDAV unavailable" in caplog.text
    assert took < settings.timeout_s + 1.5, took
    appt = await c.book(slots[1], name="C", phone="3")  # 08:00, busy in CalDAV but unknown
    assert await c.sync() == 1  # still down: pending
    radicale.start()
    assert await c.sync() == 0
    assert cal.event_by_uid(uid_for(appt.id)).icalendar_component["dtstart"].dt == at(24, 8)
    print(f"free_slots with CalDAV down: {took * 1000:.0f} ms")


def test_event_text_is_escaped() -> None:
    from agent.actions.caldav_client import event_ical
    from agent.domain import Appointment

    appt = Appointment("x", "Heizungswartung", at(24, 8), at(24, 9), "Bauer, Anna", "1",
                       note="Hof; 2. Stock\nklingeln")  # fmt: skip
    text = event_ical(appt, "Heizungswartung: Bauer, Anna", NOW)
    assert "SUMMARY:Heizungswartung: Bauer\\, Anna\r\n" in text
    assert "DESCRIPTION:Tel. 1\\nHof\\; 2. Stock\\nklingeln\r\n" in text


async def test_caldav_with_password_and_a_wrong_password(
    migrated_db: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    htpasswd = tmp_path / "users"
    htpasswd.write_text("user:geheim&=1\n", encoding="utf-8")
    server = Radicale(free_port(), tmp_path / "collections", htpasswd)
    server.start()
    try:
        client = DAVClient(url=server.url, username="user", password="geheim&=1", timeout=5)
        cal = client.principal().make_calendar(name="Termine", cal_id="test")
        add_event(cal, "ext-1", "DTSTART:20261124T080000Z", "DTEND:20261124T090000Z")
        good = CalDavSettings.model_validate(
            {"url": server.calendar_url(), "user": "user", "password": "geheim&=1"}
        )
        slots = await calendar(migrated_db, good).free_slots(
            TUESDAY, appointment_type="Heizungswartung"
        )
        assert "Tue 08:00" not in starts(slots) and len(slots) == 10
        caplog.set_level(logging.DEBUG)
        bad = good.model_copy(update={"password": SecretStr("falsch")})
        slots = await calendar(migrated_db, bad).free_slots(
            TUESDAY, appointment_type="Heizungswartung"
        )
        assert len(slots) == 15  # refused: the database's slots, with a warning
        assert "CalDAV unavailable" in caplog.text
        assert "falsch" not in caplog.text and "geheim" not in caplog.text
    finally:
        server.stop()
