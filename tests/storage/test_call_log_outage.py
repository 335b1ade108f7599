"""CallLog when the database goes away: the spool, its replay, and crashes.

"The database is down" is real here: the CallLog talks to the lab server through a
TCP proxy (tests.support.postgres.PgProxy) that is stopped (connection refused, open
connections cut) and started again, or a crashed process left a spool behind.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from agent.storage import CallLog, CallStarted, Database
from tests.support.postgres import REPO, PgProxy

pytestmark = pytest.mark.postgres

T0 = datetime(2025, 3, 4, 22, 15, tzinfo=UTC)
FAST = {"write_timeout": 0.5, "retry_min": 0.05, "retry_max": 0.3}


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"postgresql://postgres@127.0.0.1:{port}/rufbereit"


def _start(call_id: uuid.UUID, n: int = 0) -> CallStarted:
    return CallStarted(call_id, f"chan.{n}", f"+4989{n:06d}", "800", T0, "de", "audiosocket")


def _rows(url: str, query: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(query).fetchall()  # type: ignore[arg-type]


def _segments(spool: Path) -> list[Path]:
    return sorted(spool.glob("segment-*.jsonl"))


@pytest.fixture
async def proxied_db(pg_database: str, pg_proxy: PgProxy) -> AsyncIterator[Database]:
    """A Database on a fresh, *unmigrated* database, reached through the proxy."""
    db = Database(pg_proxy.url_for(pg_database), acquire_timeout=0.5)
    await db.open()
    try:
        yield db
    finally:
        await db.close()


async def _spool_while_down(spool: Path, calls: int, events: int) -> list[uuid.UUID]:
    """Like a process that recorded calls while the database was down, then stopped."""
    async with Database(_closed_port_url(), acquire_timeout=0.2) as db:
        log = CallLog(db, spool, **FAST)
        await log.start()
        ids = [uuid.uuid4() for _ in range(calls)]
        for n, call_id in enumerate(ids):
            await log.started(_start(call_id, n))
            await asyncio.gather(
                *(
                    log.event(call_id, "turn", {"i": i}, T0 + timedelta(seconds=i))
                    for i in range(events)
                )
            )
            await log.ended(call_id, T0 + timedelta(seconds=60), "resolved", "normal")
        assert log.stats.spooled == calls * (events + 2)
        await log.close(grace=0.2)
    return ids


async def test_database_down_at_start_then_back_every_record_once_in_order(
    proxied_db: Database, pg_proxy: PgProxy, pg_database: str, tmp_path: Path
) -> None:
    await pg_proxy.stop()
    log = CallLog(proxied_db, tmp_path / "spool", **FAST)
    t0 = time.monotonic()
    await log.start()
    assert time.monotonic() - t0 < 2.0, "start must not wait for the database"
    assert log.spooling

    expected: list[tuple[str, int]] = []
    ids = [uuid.uuid4() for _ in range(4)]
    t0 = time.monotonic()
    for n, call_id in enumerate(ids):
        await log.started(_start(call_id, n))
        await log.answered(call_id, T0 + timedelta(seconds=2))
    for i in range(10):  # events of all four calls, interleaved
        for n, call_id in enumerate(ids):
            await log.event(call_id, "turn", {"n": n, "i": i}, T0 + timedelta(seconds=3 + i))
            expected.append((str(call_id), i))
    for n, call_id in enumerate(ids):
        await log.ended(call_id, T0 + timedelta(seconds=20 + n), "resolved", "normal")
    assert time.monotonic() - t0 < 3.0, "spooled writes must be quick"
    assert log.stats.spooled == 4 * 13 and log.stats.written == 0

    await pg_proxy.start()
    async with asyncio.timeout(10):
        await log.flush()
    assert not log.spooling
    assert not _segments(log.spool_dir)

    # exactly once, in the order recorded (the database was not even migrated before)
    rows = _rows(
        pg_database, "SELECT call_id::text, (data->>'i')::int FROM call_events ORDER BY id"
    )
    assert rows == expected
    calls = _rows(pg_database, "SELECT id, duration_s, talk_s, outcome FROM calls")
    assert sorted(calls) == sorted(
        (call_id, 20 + n, 18 + n, "resolved") for n, call_id in enumerate(ids)
    )
    assert log.stats.replayed == 4 * 13

    await log.event(ids[0], "after", {})
    assert log.stats.written == 1  # straight to the database again
    await log.close()


async def test_database_dies_mid_call_and_comes_back(
    proxied_db: Database, pg_proxy: PgProxy, pg_database: str, tmp_path: Path
) -> None:
    log = CallLog(proxied_db, tmp_path / "spool", **FAST)
    await log.start()
    assert not log.spooling
    call_id = uuid.uuid4()
    await log.started(_start(call_id))
    await log.answered(call_id, T0 + timedelta(seconds=1))
    await log.event(call_id, "turn", {"i": 0}, T0 + timedelta(seconds=2))
    assert log.stats.written == 3

    await pg_proxy.stop()
    t0 = time.monotonic()
    await log.event(call_id, "turn", {"i": 1}, T0 + timedelta(seconds=3))
    first = time.monotonic() - t0
    t0 = time.monotonic()
    for i in range(2, 6):
        await log.event(call_id, "turn", {"i": i}, T0 + timedelta(seconds=2 + i))
    await log.ended(call_id, T0 + timedelta(seconds=9), "handed_over", "normal")
    rest = time.monotonic() - t0
    assert log.spooling
    assert first < 0.5 + 0.5, f"first write after the outage took {first:.2f} s"
    assert rest < 0.5, f"spooled writes took {rest:.2f} s"

    await pg_proxy.start()
    async with asyncio.timeout(10):
        await log.flush()
    rows = _rows(pg_database, "SELECT (data->>'i')::int FROM call_events ORDER BY id")
    assert [r[0] for r in rows] == [0, 1, 2, 3, 4, 5]
    ((duration, outcome),) = _rows(pg_database, "SELECT duration_s, outcome FROM calls")
    assert (duration, outcome) == (9, "handed_over")
    await log.close()


async def test_writes_during_the_replay_keep_their_order(
    proxied_db: Database, pg_proxy: PgProxy, pg_database: str, tmp_path: Path
) -> None:
    await pg_proxy.stop()
    log = CallLog(proxied_db, tmp_path / "spool", **FAST)
    await log.start()
    call_id = uuid.uuid4()
    await log.started(_start(call_id))
    await asyncio.gather(*(log.event(call_id, "turn", {"i": i}) for i in range(300)))
    await pg_proxy.start()
    for i in range(300, 600):  # the caller keeps talking while the backlog is replayed
        await log.event(call_id, "turn", {"i": i})
        if i % 50 == 0:
            await asyncio.sleep(0.01)
    async with asyncio.timeout(10):
        await log.flush()
    rows = _rows(pg_database, "SELECT (data->>'i')::int FROM call_events ORDER BY id")
    assert [r[0] for r in rows] == list(range(600))
    await log.close()


_CRASHING_WRITER = textwrap.dedent(
    """
    import asyncio, os, signal, sys, uuid
    from datetime import UTC, datetime, timedelta
    from agent.storage import CallLog, CallStarted, Database

    async def main() -> None:
        url, spool, call_id = sys.argv[1], sys.argv[2], uuid.UUID(sys.argv[3])
        db = Database(url, acquire_timeout=0.2)
        await db.open()
        log = CallLog(db, spool, write_timeout=0.3)
        await log.start()
        t0 = datetime(2025, 3, 4, 22, 15, tzinfo=UTC)
        await log.started(CallStarted(call_id, "c", "+49891", "800", t0, "de", "websocket"))
        for i in range(20):
            await log.event(call_id, "turn", {"i": i}, t0 + timedelta(seconds=i))
        await log.ended(call_id, t0 + timedelta(seconds=42), "resolved", "normal")
        os.kill(os.getpid(), signal.SIGKILL)  # crash: no close(), nothing flushed

    asyncio.run(main())
    """
)


async def test_a_spool_left_by_a_crashed_process_is_replayed_on_start(
    migrated_db: Database, pg_database: str, tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    call_id = uuid.uuid4()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _CRASHING_WRITER,
        _closed_port_url(),
        str(spool),
        str(call_id),
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stderr=subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == -signal.SIGKILL, err.decode()
    assert _segments(spool)

    log = CallLog(migrated_db, spool, **FAST)
    await log.start()
    async with asyncio.timeout(10):
        await log.flush()
    call = await log.get_call(call_id)
    assert call is not None and call["duration_s"] == 42 and call["outcome"] == "resolved"
    assert [e["data"]["i"] for e in await log.events(call_id)] == list(range(20))
    assert not _segments(spool)
    await log.close()


async def test_a_crash_between_commit_and_delete_replays_without_duplicates(
    migrated_db: Database, pg_database: str, tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    ids = await _spool_while_down(spool, calls=3, events=10)
    saved = tmp_path / "saved"
    shutil.copytree(spool, saved)

    log = CallLog(migrated_db, spool, **FAST)
    await log.start()
    async with asyncio.timeout(10):
        await log.flush()
    await log.close()
    for segment in _segments(saved):  # as if the process died before deleting them
        shutil.copy(segment, spool / segment.name)

    log = CallLog(migrated_db, spool, **FAST)
    await log.start()
    async with asyncio.timeout(10):
        await log.flush()
    await log.close()
    assert _rows(pg_database, "SELECT count(*) FROM calls") == [(3,)]
    assert _rows(pg_database, "SELECT count(*) FROM call_events") == [(30,)]
    for call_id in ids:
        rows = _rows(
            pg_database,
            f"SELECT (data->>'i')::int FROM call_events WHERE call_id = '{call_id}' ORDER BY id",
        )
        assert [r[0] for r in rows] == list(range(10))
    assert log.stats.rejected == 0


async def test_a_torn_last_line_loses_nothing_else(
    migrated_db: Database, pg_database: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    spool = tmp_path / "spool"
    (call_id,) = await _spool_while_down(spool, calls=1, events=8)
    last = _segments(spool)[-1]
    torn = json.dumps({"v": 1, "op": "event", "call_id": str(call_id), "kind": "tu"})[:40]
    with last.open("ab") as f:
        f.write(torn.encode())

    log = CallLog(migrated_db, spool, **FAST)
    await log.start()
    async with asyncio.timeout(10):
        await log.flush()
    call = await log.get_call(call_id)
    assert call is not None and call["outcome"] == "resolved"
    assert len(await log.events(call_id)) == 8
    quarantined = list(spool.glob("quarantine-*.jsonl"))
    assert len(quarantined) == 1 and quarantined[0].read_text() == torn + "\n"
    assert "unreadable lines" in caplog.text
    await log.close()


async def test_a_refused_record_in_the_spool_does_not_block_the_rest(
    proxied_db: Database, pg_proxy: PgProxy, pg_database: str, tmp_path: Path
) -> None:
    log = CallLog(proxied_db, tmp_path / "spool", **FAST)
    await log.start()  # migrates
    async with proxied_db.connection() as conn:
        await conn.execute("ALTER TABLE calls ADD CONSTRAINT t CHECK (outcome <> 'bad')")
    await pg_proxy.stop()
    a, b = uuid.uuid4(), uuid.uuid4()
    await log.started(_start(a, 1))
    await log.ended(a, T0 + timedelta(seconds=5), "bad")
    await log.started(_start(b, 2))
    await log.ended(b, T0 + timedelta(seconds=6), "resolved")
    await pg_proxy.start()
    async with asyncio.timeout(10):
        await log.flush()
    assert log.stats.rejected == 1 and log.stats.replayed == 3
    assert sorted(_rows(pg_database, "SELECT id, outcome FROM calls")) == sorted(
        [(a, None), (b, "resolved")]
    )
    await log.close()


async def test_two_processes_cannot_share_a_spool(migrated_db: Database, tmp_path: Path) -> None:
    from agent.storage import SpoolError

    first = CallLog(migrated_db, tmp_path / "spool")
    await first.start()
    second = CallLog(migrated_db, tmp_path / "spool")
    with pytest.raises(SpoolError, match="in use by another rufbereit process"):
        await second.start()
    await first.close()


async def test_replay_throughput(
    proxied_db: Database, pg_proxy: PgProxy, pg_database: str, tmp_path: Path
) -> None:
    log = CallLog(proxied_db, tmp_path / "spool", **FAST)
    await log.start()
    await pg_proxy.stop()
    call_id = uuid.uuid4()
    n = 2000
    t0 = time.monotonic()
    for start in range(0, n, 500):
        await asyncio.gather(
            *(log.event(call_id, "turn", {"i": i}) for i in range(start, start + 500))
        )
    spooled_s = time.monotonic() - t0
    await pg_proxy.start()
    t0 = time.monotonic()
    async with asyncio.timeout(20):
        await log.flush()
    replay_s = time.monotonic() - t0
    assert _rows(pg_database, "SELECT count(*) FROM call_events") == [(n,)]
    print(
        f"\nspooled {n} records in {spooled_s:.2f} s; replayed in {replay_s:.2f} s "
        f"(incl. reconnect) = {n / replay_s:.0f} records/s"
    )
    assert n / replay_s > 500
    await log.close()


async def test_a_dead_server_is_retried_with_back_off_not_per_write(tmp_path: Path) -> None:
    attempts = 0

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal attempts
        attempts += 1
        writer.transport.abort()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with Database(f"postgresql://postgres@127.0.0.1:{port}/x", acquire_timeout=0.2) as db:
            log = CallLog(db, tmp_path / "spool", **FAST)
            await log.start()
            call_id = uuid.uuid4()
            t0 = time.monotonic()
            for i in range(300):
                await log.event(call_id, "turn", {"i": i})
            assert time.monotonic() - t0 < 1.5
            await asyncio.sleep(0.5)
            assert log.stats.spooled == 300
            assert attempts < 30, f"{attempts} connection attempts for 300 spooled writes"
            await log.close(grace=0.1)
    finally:
        server.close()


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A directory on a 256 KB filesystem of its own (tmpfs), for a spool to fill."""
    mount = tmp_path / "small-fs"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.fail(f"cannot mount a small tmpfs (needs root): {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


async def test_spool_disk_full_and_database_down_loses_nothing(
    proxied_db: Database, pg_proxy: PgProxy, pg_database: str, full_disk: Path
) -> None:
    """The spool's filesystem fills up while the database is down: records are kept in
    memory, in order, and written once the database is back."""
    await pg_proxy.stop()
    log = CallLog(proxied_db, full_disk / "spool", **FAST)
    await log.start()
    (full_disk / "ballast").write_bytes(b"x" * (160 * 1024))  # most of the disk
    ids = [uuid.uuid4() for _ in range(10)]
    expected: list[tuple[str, int]] = []
    for n, call_id in enumerate(ids):
        await log.started(_start(call_id, n))
        for i in range(40):  # ~100 bytes each: the spool runs out of room on the way
            await log.event(call_id, "turn", {"i": i, "pad": "x" * 60}, T0)
            expected.append((str(call_id), i))
        await log.ended(call_id, T0 + timedelta(seconds=30), "resolved", "normal")
    assert log.stats.held > 0, "the disk was expected to fill up"
    assert log.stats.lost == 0
    assert log.stats.spooled + log.stats.held == 10 * 42

    await pg_proxy.start()
    async with asyncio.timeout(15):
        await log.flush()
    rows = _rows(
        pg_database, "SELECT call_id::text, (data->>'i')::int FROM call_events ORDER BY id"
    )
    assert rows == expected  # every one, once, in order
    calls = _rows(pg_database, "SELECT count(*) FROM calls WHERE outcome = 'resolved'")
    assert calls == [(10,)]
    await log.close()
