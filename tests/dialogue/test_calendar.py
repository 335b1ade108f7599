"""Slots from the profile (hours, holidays, grid, buffer, notice) and the in-memory calendar."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta

import pytest

from agent.actions.calendar import (
    AppointmentNotFound,
    InMemoryCalendar,
    SlotTaken,
    SlotUnavailable,
    normalize_phone,
)
from agent.actions.slots import Slot, appointment_type, free_slots
from agent.profile import BusinessProfile

from .conftest import BERLIN, MONDAY_9

TUESDAY = date(2026, 11, 24)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=BERLIN)


def starts(slots: list[Slot]) -> list[str]:
    return [f"{s.start:%H:%M}" for s in slots]


def test_slots_follow_opening_hours_and_grid(profile: BusinessProfile) -> None:
    slots = free_slots(
        profile, "Heizungswartung", at(TUESDAY, 0), at(TUESDAY, 23), [], now=MONDAY_9
    )
    assert starts(slots) == [
        "07:30", "08:00", "08:30", "09:00", "09:30", "10:00", "10:30", "11:00",
        "13:00", "13:30", "14:00", "14:30", "15:00", "15:30", "16:00",
    ]  # fmt: skip
    assert all(s.end - s.start == timedelta(minutes=60) for s in slots)
    # 90 minutes must fit into a span: the last morning start is 10:30.
    repair = free_slots(
        profile, "Reparatur vor Ort", at(TUESDAY, 0), at(TUESDAY, 23), [], now=MONDAY_9
    )
    assert "10:30" in starts(repair) and "11:00" not in starts(repair)
    assert starts(repair)[-1] == "15:30"


def test_friday_short_day_weekend_and_holidays(profile: BusinessProfile) -> None:
    friday = date(2026, 11, 27)
    slots = free_slots(profile, "Badberatung", at(friday, 0), at(friday, 23), [], now=MONDAY_9)
    assert starts(slots)[-1] == "12:00"  # 12:00 + 45 min <= 13:00
    weekend = free_slots(
        profile, "Badberatung", at(date(2026, 11, 28), 0), at(date(2026, 11, 30), 0), [],
        now=MONDAY_9,
    )  # fmt: skip
    assert weekend == []
    christmas = date(2026, 12, 24)  # a Thursday, listed as a holiday
    far = christmas - timedelta(days=3)
    now = datetime.combine(far, time(9), tzinfo=BERLIN)
    assert (
        free_slots(profile, "Badberatung", at(christmas, 0), at(christmas, 23), [], now=now) == []
    )


def test_buffer_keeps_distance_to_bookings(profile: BusinessProfile) -> None:
    busy = [(at(TUESDAY, 10), at(TUESDAY, 11))]
    slots = free_slots(
        profile, "Heizungswartung", at(TUESDAY, 0), at(TUESDAY, 12), busy, now=MONDAY_9
    )
    # 30 min buffer: 08:30-09:30 (+30 = 10:00) is fine, 09:00 is not; 11:00 is too close.
    assert starts(slots) == ["07:30", "08:00", "08:30"]


def test_notice_and_horizon(profile: BusinessProfile) -> None:
    today = free_slots(
        profile, "Heizungswartung", MONDAY_9, at(MONDAY_9.date(), 23), [], now=MONDAY_9
    )
    assert starts(today)[0] == "11:00"  # two hours' notice
    later = MONDAY_9 + timedelta(days=90)
    assert free_slots(profile, "Heizungswartung", later, later + timedelta(days=5), [],
                      now=MONDAY_9) == []  # fmt: skip


def test_profile_appointment_types(profile: BusinessProfile) -> None:
    assert appointment_type(profile, "Heizungswartung").duration_min == 60
    assert appointment_type(profile, "Badberatung").duration_min == 45
    assert appointment_type(profile, "Reparatur vor Ort").duration_min == 90


def test_normalize_phone() -> None:
    assert normalize_phone("+49 171 2345678") == "01712345678"
    assert normalize_phone("0049 (171) 234-5678") == "01712345678"
    assert normalize_phone("0171 2345678") == "01712345678"


async def test_in_memory_book_reschedule_cancel(profile: BusinessProfile) -> None:
    cal = InMemoryCalendar(profile, lambda: MONDAY_9)
    slots = await cal.free_slots(TUESDAY, appointment_type="Heizungswartung")
    first = await cal.book(slots[0], name="Anna Schmidt", phone="0171 2345678")
    with pytest.raises(SlotTaken):
        await cal.book(slots[0], name="Other", phone="0170")
    with pytest.raises(SlotTaken):  # inside the buffer
        await cal.book(slots[1], name="Other", phone="0170")
    free = await cal.free_slots(TUESDAY, appointment_type="Heizungswartung")
    assert starts(free)[0] == "09:00"
    found = await cal.find_by_phone("+49 171 2345678")
    assert [a.id for a in found] == [first.id]
    moved = await cal.reschedule(first.id, free[-1])
    assert moved.start == free[-1].start
    await cal.cancel(first.id)
    assert await cal.find_by_phone("01712345678") == []
    with pytest.raises(AppointmentNotFound):
        await cal.cancel(first.id)


async def test_in_memory_refuses_non_slots(profile: BusinessProfile) -> None:
    cal = InMemoryCalendar(profile, lambda: MONDAY_9)
    kind = appointment_type(profile, "Heizungswartung")
    for start in (at(TUESDAY, 12), at(TUESDAY, 10, 15), at(date(2026, 11, 29), 10),
                  at(MONDAY_9.date(), 8)):  # fmt: skip
        slot = Slot(start, start + timedelta(minutes=kind.duration_min), kind.name)
        with pytest.raises(SlotUnavailable):
            await cal.book(slot, name="X", phone="1")


async def test_in_memory_concurrent_booking_one_wins(profile: BusinessProfile) -> None:
    cal = InMemoryCalendar(profile, lambda: MONDAY_9)
    slot = (await cal.free_slots(TUESDAY, appointment_type="Badberatung"))[0]
    results = await asyncio.gather(
        *(cal.book(slot, name=f"n{i}", phone=str(i)) for i in range(5)), return_exceptions=True
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert sum(isinstance(r, SlotTaken) for r in results) == 4
