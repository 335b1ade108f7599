"""ActionServices: the wiring the app uses, with its background workers running."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from agent.actions.calendar_pg import PostgresCalendar
from agent.actions.notifying_calendar import NotifyingCalendar
from agent.actions.outbox import OutboxRecordStore
from agent.actions.records_pg import PostgresRecordStore
from agent.actions.services import ActionServices
from agent.actions.settings import SmsSettings, WebhookSettings
from agent.actions.slots import Slot
from agent.domain import Lead
from agent.storage import Database

from .receiver import Receiver
from .support import TZ, profile

pytestmark = pytest.mark.postgres
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=TZ)


async def wait_until(cond: object, within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not cond():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def test_minimal_wiring_is_plain_postgres(migrated_db: Database) -> None:
    s = ActionServices.create(migrated_db, profile(), lambda: NOW)
    assert isinstance(s.calendar, PostgresCalendar)
    assert type(s.records) is PostgresRecordStore
    assert (s.outbox, s.sweeper, s.caldav) == (None, None, None)


async def test_lead_and_booking_are_pushed_at_once(
    migrated_db: Database, receiver: Receiver
) -> None:
    s = ActionServices.create(
        migrated_db, profile(), lambda: NOW,
        sms=SmsSettings.model_validate({"url": receiver.url + "/sms", "body": "{text}",
                                        "content_type": "text/plain"}),
        webhook=WebhookSettings.model_validate({"url": receiver.url + "/hook", "secret": "k",
                                                "poll_s": 30}),
    )  # fmt: skip
    assert isinstance(s.calendar, NotifyingCalendar)
    assert isinstance(s.records, OutboxRecordStore)
    stop = asyncio.Event()
    task = asyncio.create_task(s.run(stop))
    try:
        await asyncio.sleep(0.2)  # the workers are idle, next poll in 30 s
        t0 = time.monotonic()
        await s.records.add(Lead("Bad", "", "", "", "A", "1", created_at=datetime.now(UTC)))
        await wait_until(lambda: len(receiver.received()) == 1)
        took_lead = time.monotonic() - t0
        start = datetime(2026, 11, 24, 10, 30, tzinfo=TZ)
        t0 = time.monotonic()
        await s.calendar.book(Slot(start, start + timedelta(hours=1), "Heizungswartung"),
                              name="Anna", phone="0171 2345678")  # fmt: skip
        await wait_until(lambda: len(receiver.received()) == 2)
        took_sms = time.monotonic() - t0
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
        await s.close()
    hook, sms = receiver.received()
    assert hook.path == "/hook" and json.loads(hook.body)["topic"] == "lead.created"
    assert sms.path == "/sms" and "Terminbestätigung" in sms.body.decode()
    print(f"lead -> webhook {took_lead * 1000:.0f} ms, booking -> SMS {took_sms * 1000:.0f} ms")
    assert took_lead < 1.0 and took_sms < 1.0
