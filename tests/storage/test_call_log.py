"""CallLog with the database up: what a call's life looks like in PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from agent.storage import CallAnswered, CallEnded, CallEvent, CallLog, CallStarted, Database

pytestmark = pytest.mark.postgres

T0 = datetime(2025, 3, 4, 9, 30, 0, 250000, tzinfo=UTC)


def _start(call_id: uuid.UUID, at: datetime = T0, n: int = 0) -> CallStarted:
    return CallStarted(
        call_id=call_id,
        channel_id=f"1741080600.{n}",
        caller_number=f"+49170{n:07d}",
        called_number="800",
        started_at=at,
        language="de",
        transport="websocket",
    )


@pytest.fixture
async def call_log(migrated_db: Database, tmp_path: Path) -> AsyncIterator[CallLog]:
    log = CallLog(migrated_db, tmp_path / "spool")
    await log.start()
    try:
        yield log
    finally:
        await log.close()


async def test_a_calls_whole_life_is_recorded(call_log: CallLog) -> None:
    call_id = uuid.uuid4()
    await call_log.started(_start(call_id))
    await call_log.answered(call_id, T0 + timedelta(seconds=1.5))
    e1 = await call_log.event(call_id, "greeting", {"text": "Grüß Gott"}, T0 + timedelta(seconds=2))
    e2 = await call_log.event(
        call_id, "intent", {"name": "booking", "conf": 0.93}, T0 + timedelta(seconds=9)
    )
    await call_log.ended(call_id, T0 + timedelta(seconds=74.75), "resolved", "normal_clearing")

    call = await call_log.get_call(call_id)
    assert call is not None
    assert (call["channel_id"], call["caller_number"], call["called_number"]) == (
        "1741080600.0",
        "+491700000000",
        "800",
    )
    assert (call["language"], call["transport"]) == ("de", "websocket")
    assert call["started_at"] == T0 and call["answered_at"] == T0 + timedelta(seconds=1.5)
    assert call["duration_s"] == 74.75
    assert call["talk_s"] == 73.25
    assert (call["outcome"], call["hangup_cause"]) == ("resolved", "normal_clearing")

    events = await call_log.events(call_id)
    assert [(e["event_id"], e["kind"]) for e in events] == [(e1, "greeting"), (e2, "intent")]
    assert events[0]["data"] == {"text": "Grüß Gott"}
    assert events[1]["data"] == {"name": "booking", "conf": 0.93}
    assert [c["id"] for c in await call_log.recent_calls(5)] == [call_id]
    assert await call_log.get_call(uuid.uuid4()) is None
    assert call_log.stats.written == 5 and call_log.stats.spooled == 0


async def test_every_write_is_idempotent_and_the_first_end_wins(call_log: CallLog) -> None:
    call_id = uuid.uuid4()
    ev = CallEvent(call_id, "dtmf", {"digit": "1"}, T0 + timedelta(seconds=3))
    ops = [
        _start(call_id),
        CallAnswered(call_id, T0 + timedelta(seconds=1)),
        ev,
        CallEnded(call_id, T0 + timedelta(seconds=10), "resolved", "normal"),
    ]
    for _ in range(3):
        for op in ops:
            await call_log.record(op)
    await call_log.record(CallEnded(call_id, T0 + timedelta(seconds=99), "error", "late"))
    await call_log.answered(call_id, T0 + timedelta(seconds=50))
    call = await call_log.get_call(call_id)
    assert call is not None
    assert (call["duration_s"], call["talk_s"], call["outcome"]) == (10.0, 9.0, "resolved")
    assert [e["event_id"] for e in await call_log.events(call_id)] == [ev.event_id]


async def test_records_arriving_before_the_start_are_kept(call_log: CallLog) -> None:
    call_id = uuid.uuid4()
    await call_log.event(call_id, "early", {}, T0 + timedelta(seconds=1))
    await call_log.ended(call_id, T0 + timedelta(seconds=5), "abandoned")
    await call_log.started(_start(call_id))
    call = await call_log.get_call(call_id)
    assert call is not None and call["duration_s"] == 5.0 and call["outcome"] == "abandoned"
    assert len(await call_log.events(call_id)) == 1


async def test_odd_values_are_stored_not_refused(call_log: CallLog) -> None:
    call_id = uuid.uuid4()
    naive = datetime(2025, 3, 4, 9, 30)  # naive datetimes are taken as UTC
    await call_log.started(CallStarted(call_id, "ch\x00", None, None, naive, None, None))
    await call_log.event(call_id, "odd", {"nul": "a\x00b", "when": T0, "id": call_id})
    call = await call_log.get_call(call_id)
    assert call is not None and call["started_at"] == naive.replace(tzinfo=UTC)
    assert call["channel_id"] == "ch\ufffd"
    (event,) = await call_log.events(call_id)
    assert event["data"] == {"nul": "a\ufffdb", "when": str(T0), "id": str(call_id)}
    assert call_log.stats.rejected == 0


async def test_many_concurrent_calls(call_log: CallLog) -> None:
    async def one_call(n: int) -> uuid.UUID:
        call_id = uuid.uuid4()
        await call_log.started(_start(call_id, T0, n))
        await call_log.answered(call_id, T0 + timedelta(seconds=1))
        for i in range(5):
            await call_log.event(call_id, "turn", {"i": i}, T0 + timedelta(seconds=2 + i))
        await call_log.ended(call_id, T0 + timedelta(seconds=30 + n), "resolved")
        return call_id

    ids = await asyncio.gather(*(one_call(n) for n in range(60)))
    for n, call_id in enumerate(ids):
        call = await call_log.get_call(call_id)
        assert call is not None and call["duration_s"] == 30 + n
        assert [e["data"]["i"] for e in await call_log.events(call_id)] == [0, 1, 2, 3, 4]
    assert len(await call_log.recent_calls(100)) == 60
    assert call_log.stats.written == 60 * 8


async def test_a_record_the_database_refuses_for_good_is_kept_aside(
    call_log: CallLog, migrated_db: Database
) -> None:
    async with migrated_db.connection() as conn:
        await conn.execute(
            "ALTER TABLE calls ADD CONSTRAINT test_no_bad CHECK (outcome IS DISTINCT FROM 'bad')"
        )
    call_id = uuid.uuid4()
    await call_log.started(_start(call_id))
    await call_log.ended(call_id, T0 + timedelta(seconds=3), "bad")  # refused
    await call_log.event(call_id, "after", {})  # still written, straight to the database
    assert call_log.stats.rejected == 1 and not call_log.spooling
    assert len(await call_log.events(call_id)) == 1
    (line,) = (call_log.spool_dir / "rejected.jsonl").read_text().splitlines()
    entry = json.loads(line)
    assert entry["record"]["op"] == "ended" and entry["record"]["outcome"] == "bad"
    assert "CheckViolation" in entry["reason"]


async def test_a_cancelled_caller_does_not_cancel_the_write(
    call_log: CallLog, pg_database: str
) -> None:
    call_id = uuid.uuid4()
    task = asyncio.create_task(call_log.started(_start(call_id)))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await call_log.close()  # waits for writes in flight
    with psycopg.connect(pg_database) as conn:
        assert conn.execute("SELECT count(*) FROM calls").fetchone() == (1,)


async def test_reports_for_the_command_line(call_log: CallLog, pg_database: str) -> None:
    from agent.storage.reports import call_events, recent_calls

    older, newer = uuid.uuid4(), uuid.uuid4()
    await call_log.started(_start(older, T0, 1))
    await call_log.started(_start(newer, T0 + timedelta(minutes=5), 2))
    await call_log.event(newer, "turn", {"i": 1})
    rows = await recent_calls(pg_database, limit=10)
    assert [r["id"] for r in rows] == [newer, older]
    assert json.loads(json.dumps(rows, default=str))[0]["caller_number"] == "+491700000002"
    assert [e["kind"] for e in await call_events(pg_database, newer)] == ["turn"]
