"""The webhook outbox against a real PostgreSQL and a local HTTP receiver."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from agent.actions.outbox import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    OutboxRecordStore,
    OutboxWorker,
    item_id,
    verify,
)
from agent.actions.settings import WebhookSettings
from agent.domain import Lead, Message, Order, OrderLine
from agent.storage import Database

from .receiver import Receiver

pytestmark = pytest.mark.postgres
SECRET = "s3cret&key"
REPO = Path(__file__).resolve().parents[2]


def settings(url: str) -> WebhookSettings:
    return WebhookSettings.model_validate(
        {"url": url, "secret": SECRET, "backoff_initial_s": 0.1, "backoff_max_s": 0.4,
         "poll_s": 0.05, "timeout_s": 2.0}
    )  # fmt: skip


def lead(n: int) -> Lead:
    return Lead(f"Bad {n}", "München", "10k", "bald", f"Kunde {n}", "0171 555",
                created_at=datetime.now(UTC))  # fmt: skip


async def wait_until(cond: object, within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    while not cond():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


def keys(r: Receiver) -> list[str]:
    return [q.headers[IDEMPOTENCY_HEADER] for q in r.received()]


async def test_lead_and_order_are_queued_in_the_same_transaction_and_signed(
    migrated_db: Database, receiver: Receiver
) -> None:
    store = OutboxRecordStore(migrated_db)
    first = lead(1)
    order = Order((OrderLine("DS-01", "Dichtungsset", 2, "Set", Decimal("6.50")),),
                  "Anna", "0171", created_at=datetime.now(UTC))  # fmt: skip
    await store.add(first)
    await store.add(first)  # a retried write: still one item
    await store.add(order)
    await store.add(Message("message", "A", "1", "hi", created_at=datetime.now(UTC)))
    worker = OutboxWorker(migrated_db, settings(receiver.url + "/hook"))
    try:
        assert await worker.run_once() == 2
    finally:
        await worker.close()
    got = receiver.received()
    assert [q.headers["X-Rufbereit-Event"] for q in got] == ["lead.created", "order.created"]
    for q in got:
        assert verify(SECRET.encode(), q.body, q.headers[SIGNATURE_HEADER])
        assert q.headers[SIGNATURE_HEADER].startswith("sha256=")
    body = json.loads(got[0].body)
    assert body["id"] == got[0].headers[IDEMPOTENCY_HEADER] == item_id("lead.created", first.id)
    assert body["data"]["need"] == "Bad 1" and body["data"]["id"] == first.id
    assert json.loads(got[1].body)["data"]["lines"][0]["unit_price"] == "6.50"
    stats = await worker.stats()
    assert (stats.pending, stats.delivered) == (0, 2)


async def test_receiver_down_then_up_every_lead_arrives_exactly_once(
    migrated_db: Database,
) -> None:
    receiver = Receiver()  # not started: connection refused
    store = OutboxRecordStore(migrated_db)
    leads = [lead(n) for n in range(10)]
    for item in leads:
        await store.add(item)
    worker = OutboxWorker(migrated_db, settings(receiver.url))
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        await asyncio.sleep(1.0)
        async with migrated_db.connection() as conn:
            cur = await conn.execute(
                "SELECT min(attempts), count(*) FILTER (WHERE last_error IS NOT NULL)"
                " FROM outbox WHERE delivered_at IS NULL"
            )
            row = await cur.fetchone()
        assert row is not None and row[0] >= 2 and row[1] == 10  # retried, with backoff
        receiver.status = 503  # up but failing: still retried
        receiver.start()
        await asyncio.sleep(0.6)
        failed = len(receiver.received())
        assert failed >= 1
        receiver.status = 200
        await wait_until(lambda: len(receiver.received()) - failed >= 10)
        await asyncio.sleep(0.5)  # nothing more comes
        ok = keys(receiver)[failed:]
        assert sorted(ok) == sorted(item_id("lead.created", x.id) for x in leads)
        assert len(ok) == len(set(ok)) == 10
        assert (await worker.stats()).pending == 0
    finally:
        stop.set()
        await task
        await worker.close()
        receiver.stop()


async def test_two_workers_never_send_the_same_item(
    migrated_db: Database, pg_database: str, receiver: Receiver
) -> None:
    store = OutboxRecordStore(migrated_db)
    for n in range(20):
        await store.add(lead(n))
    receiver.delay_s = 0.02
    async with Database(pg_database) as db2:
        w1 = OutboxWorker(migrated_db, settings(receiver.url), name="w1")
        w2 = OutboxWorker(db2, settings(receiver.url), name="w2")
        try:
            counts = await asyncio.gather(w1.run_once(), w2.run_once())
        finally:
            await w1.close()
            await w2.close()
    assert sum(counts) == 20 and min(counts) > 0
    assert len(keys(receiver)) == len(set(keys(receiver))) == 20


async def test_worker_killed_midway_a_new_worker_finishes_nothing_lost(
    migrated_db: Database, pg_database: str, receiver: Receiver
) -> None:
    store = OutboxRecordStore(migrated_db)
    leads = [lead(n) for n in range(15)]
    for item in leads:
        await store.add(item)
    receiver.delay_s = 0.15
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.actions.outbox_worker_main", pg_database,
        receiver.url, SECRET, cwd=REPO, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        await wait_until(lambda: len(receiver.received()) >= 4)
        proc.kill()  # SIGKILL mid-way, probably during a request
        await asyncio.wait_for(proc.wait(), 5)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    before = len(receiver.received())
    assert before < 15
    receiver.delay_s = 0.0
    worker = OutboxWorker(migrated_db, settings(receiver.url), name="restarted")
    try:
        await worker.run_once()
    finally:
        await worker.close()
    got = keys(receiver)
    expected = {item_id("lead.created", x.id) for x in leads}
    assert set(got) == expected  # nothing lost
    # at most the one in flight at the kill is sent twice; the key lets the receiver dedupe
    assert len(got) - len(set(got)) <= 1
    assert (await worker.stats()).pending == 0


def test_backoff_doubles_and_is_capped() -> None:
    w = OutboxWorker.__new__(OutboxWorker)
    w._settings = WebhookSettings.model_validate(
        {"url": "http://x", "secret": "k", "backoff_initial_s": 1, "backoff_max_s": 10}
    )
    assert [round(w.backoff(n)) for n in (1, 2, 3)] == [1, 2, 4]
    assert 9 <= w.backoff(20) <= 11
