"""The PostgreSQL calendar and record store against the lab database."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from decimal import Decimal

import psycopg
import pytest

from agent.actions.calendar import AppointmentNotFound, SlotTaken
from agent.actions.calendar_pg import PostgresCalendar
from agent.actions.records_pg import PostgresRecordStore
from agent.domain import Emergency, Lead, Message, Order, OrderLine, PrivacyRequest
from agent.profile import BusinessProfile
from agent.storage import Database

from .conftest import MONDAY_9

pytestmark = pytest.mark.postgres
TUESDAY = date(2026, 11, 24)


async def test_book_find_reschedule_cancel(migrated_db: Database, profile: BusinessProfile) -> None:
    cal = PostgresCalendar(migrated_db, profile, lambda: MONDAY_9)
    slots = await cal.free_slots(TUESDAY, appointment_type="Heizungswartung")
    appt = await cal.book(slots[0], name="Anna Schmidt", phone="+49 171 2345678", note="Therme")
    assert appt.status == "booked" and appt.start == slots[0].start
    assert [a.id for a in await cal.find_by_phone("0171 2345678")] == [appt.id]
    free = await cal.free_slots(TUESDAY, appointment_type="Heizungswartung")
    assert free[0].start == slots[0].start + timedelta(minutes=90)  # 60 min + 30 min buffer
    with pytest.raises(SlotTaken):
        await cal.book(slots[1], name="Other", phone="0170")
    moved = await cal.reschedule(appt.id, free[-1])
    assert moved.start == free[-1].start
    await cal.book(slots[0], name="Other", phone="0170")  # the old time is free again
    cancelled = await cal.cancel(appt.id)
    assert cancelled.status == "cancelled"
    with pytest.raises(AppointmentNotFound):
        await cal.reschedule(appt.id, free[0])
    assert len(await cal.appointments()) == 2


async def test_concurrent_double_booking_exactly_one_wins(
    migrated_db: Database, pg_database: str, profile: BusinessProfile
) -> None:
    """Two calendars (two pools) book the same slot from four tasks at the same moment."""
    other_db = Database(pg_database)
    try:
        cals = [
            PostgresCalendar(migrated_db, profile, lambda: MONDAY_9),
            PostgresCalendar(other_db, profile, lambda: MONDAY_9),
        ]
        slot = (await cals[0].free_slots(TUESDAY, appointment_type="Badberatung"))[3]
        for _ in range(10):
            results = await asyncio.gather(
                *(cals[n % 2].book(slot, name=f"caller {n}", phone=str(n)) for n in range(4)),
                return_exceptions=True,
            )
            winners = [r for r in results if not isinstance(r, BaseException)]
            assert len(winners) == 1, results
            assert sum(isinstance(r, SlotTaken) for r in results) == 3, results
            await cals[0].cancel(winners[0].id)
    finally:
        await other_db.close()


async def test_database_refuses_overlap_even_without_the_code(
    migrated_db: Database, profile: BusinessProfile
) -> None:
    cal = PostgresCalendar(migrated_db, profile, lambda: MONDAY_9)
    slot = (await cal.free_slots(TUESDAY, appointment_type="Heizungswartung"))[0]
    await cal.book(slot, name="A", phone="1")
    async with migrated_db.connection() as conn:
        with pytest.raises(psycopg.errors.ExclusionViolation):
            await conn.execute(
                "INSERT INTO appointments (id, appointment_type, starts_at, ends_at,"
                " blocked_until, name, phone, phone_digits)"
                " VALUES (gen_random_uuid(), 'x', %s, %s, %s, 'B', '2', '2')",
                (slot.start + timedelta(minutes=30), slot.end, slot.end),
            )


async def test_record_store_round_trip(migrated_db: Database) -> None:
    store = PostgresRecordStore(migrated_db)
    lead = Lead("neues Bad", "München", "20000 Euro", "bald", "A", "0171", created_at=MONDAY_9)
    order = Order(
        (
            OrderLine("HKV-12", "Heizkörperventil", 2, "Stück", Decimal("18.90")),
            OrderLine("SPK-UP", "Spülkasten", 5, "Stück", Decimal("129.00"), backorder=2),
        ),
        "B",
        "0172",
        created_at=MONDAY_9,
    )
    msg = Message("callback", "C", "0173", "Rechnung", due=TUESDAY, created_at=MONDAY_9)
    privacy = PrivacyRequest("erasure", "E", "0175", "Löschen Sie meine Daten", created_at=MONDAY_9)
    esc = Emergency("gasgeruch", "D", "0174", "Hauptstr. 1", "Gasgeruch", created_at=MONDAY_9)
    for record in (lead, order, msg, privacy, esc, lead, order):  # repeats change nothing
        await store.add(record)
    assert await store.leads() == [lead]
    assert await store.orders() == [order]
    assert await store.messages() == [msg]
    assert await store.privacy_requests() == [privacy]
    assert await store.escalations() == [esc]


async def test_dialogue_books_into_the_database(
    migrated_db: Database, profile: BusinessProfile
) -> None:
    """The engine on the PostgreSQL calendar and record store, as in a call."""
    from agent.dialogue.engine import DialogueEngine
    from agent.dialogue.rules_nlu import RulesNlu
    from agent.domain import BookAppointment

    def clock() -> datetime:
        return MONDAY_9

    cal = PostgresCalendar(migrated_db, profile, clock)
    store = PostgresRecordStore(migrated_db)
    engine = DialogueEngine(
        profile, RulesNlu(), calendar=cal, records=store, clock=clock,
        call_id="6f0c1a52-8f39-4a53-9d0e-6b1a0c3d2e11",
    )  # fmt: skip
    await engine.start()
    for line in ("Termin zur Heizungswartung am Dienstag um 10", "Anna Schmidt", "0171 2345678"):
        await engine.on_text(line)
    turn = await engine.on_dtmf("1")
    assert [type(a) for a in turn.actions] == [BookAppointment]
    [appt] = await cal.appointments()
    assert appt.name == "Anna Schmidt" and appt.call_id == "6f0c1a52-8f39-4a53-9d0e-6b1a0c3d2e11"
    await engine.on_text("Ich möchte mit einem Mitarbeiter sprechen")  # office open: transfer
    assert engine.ended == "handover"
