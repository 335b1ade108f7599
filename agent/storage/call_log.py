"""The record of every call, which survives a database outage.

``CallLog`` writes call records (see :mod:`agent.storage.call_records`) straight to
PostgreSQL. When the database cannot be reached, each record is appended to a spool on
disk (:mod:`agent.storage.spool`) instead, and from then on every new record goes there
too, so their order is kept. A background task waits for the database, applies the
schema migrations if needed, replays the spool in order and deletes what it has written;
then writes go straight to the database again.

Nothing is lost: a record is acknowledged only once it is committed or fsync'd, replay
is idempotent (a crash mid-replay repeats a segment harmlessly), a spool left by a
crashed process is replayed by the next one, a record the database refuses for good
(bad data) is kept in the spool's ``rejected.jsonl``, and when the spool's disk is full
too, records are kept in memory (in order, up to ``MAX_HELD``) until the database is
back. Recording never raises into the
call path and never logs caller data above DEBUG.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg

from .call_records import (
    SELECT_CALL,
    SELECT_EVENTS,
    SELECT_RECENT,
    CallAnswered,
    CallEnded,
    CallEvent,
    CallEventRow,
    CallOp,
    CallRow,
    CallStarted,
    apply,
    call_from_row,
    event_from_row,
    from_json,
    normalize,
    to_json,
    utcnow,
)
from .database import Database, DatabaseUnavailable, is_unavailable_error
from .migrations import MigrationError, SchemaTooNew, migrate
from .spool import Spool, SpoolError

log = logging.getLogger(__name__)


class _Result(enum.Enum):
    OK = "ok"
    UNAVAILABLE = "unavailable"
    REJECTED = "rejected"


#: records kept in memory while neither the database nor the spool can take them (a few
#: hundred bytes each: ~50 MB at most, hours of calls)
MAX_HELD = 200_000


@dataclass(slots=True)
class CallLogStats:
    """Counters since start (for the doctor command, metrics and tests)."""

    written: int = 0  # straight to the database
    spooled: int = 0  # to the disk spool
    replayed: int = 0  # from the spool to the database
    rejected: int = 0  # refused by the database for good; kept in rejected.jsonl
    held: int = 0  # kept in memory: database down and the spool's disk full
    lost: int = 0  # not even memory could keep it (MAX_HELD), or held at shutdown


class CallLog:
    """Records calls; see the module docstring. ``start()`` before use, ``close()`` after."""

    def __init__(
        self,
        db: Database,
        spool_dir: Path | str,
        *,
        write_timeout: float = 2.0,
        retry_min: float = 0.2,
        retry_max: float = 5.0,
        replay_batch: int = 500,
        migrate: bool = True,
    ) -> None:
        self._db = db
        self._spool = Spool(spool_dir)
        self._write_timeout = write_timeout
        self._retry_min = retry_min
        self._retry_max = retry_max
        self._replay_batch = replay_batch
        self._migrate = migrate
        self._schema_ready = False
        self._spooling = True
        self._drained = asyncio.Event()
        self._wake = asyncio.Event()
        self._replay_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._inflight: set[asyncio.Task[None]] = set()
        self._schema_error_logged = False
        # records neither the database nor the spool could take, in order; once one is
        # here, later ones follow it (never overtaking it on the disk), until replayed
        self._held: list[CallOp] = []
        self.stats = CallLogStats()

    @property
    def spool_dir(self) -> Path:
        return self._spool.directory

    @property
    def spooling(self) -> bool:
        """True while records go to the disk spool (database down, or backlog not replayed)."""
        return self._spooling

    def _set_spooling(self, on: bool) -> None:
        self._spooling = on
        if on:
            self._drained.clear()
            self._wake.set()
        else:
            self._drained.set()

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        """Open the spool and, if the database is reachable, bring its schema up to date.

        Returns quickly when the database is down (records are spooled until it is back).
        Raises :class:`~agent.storage.spool.SpoolError` if the spool directory cannot be
        used and :class:`~agent.storage.migrations.SchemaTooNew` if the database is newer
        than this code.
        """
        await self._spool.open()
        try:
            ready = await self._ensure_ready(at_start=True)
        except BaseException:
            await self._spool.close()
            raise
        if not self._spool.empty:
            log.info(
                "call records left in the spool by an earlier run will be replayed",
                extra={"spool_dir": str(self.spool_dir), "segments": self._spool.segments},
            )
            self._set_spooling(True)
        elif ready:
            self._set_spooling(False)
        else:
            log.warning(
                "database unavailable at start; call records go to the disk spool until it is back",
                extra={"database": self._db.display_url, "spool_dir": str(self.spool_dir)},
            )
            self._set_spooling(True)
        self._task = asyncio.create_task(self._replay_loop(), name="call-log-replay")

    async def close(self, grace: float = 5.0) -> None:
        """Finish pending writes and replay what can be replayed within ``grace`` seconds.

        Whatever the database cannot take now stays in the spool for the next start.
        """
        deadline = time.monotonic() + grace
        if self._inflight:
            await asyncio.wait(list(self._inflight), timeout=grace)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._spooling and not self._spool.empty:
            remaining = deadline - time.monotonic()
            if remaining > 0:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(remaining):
                        await self._replay()
        for op in self._held:  # the disk may have room again; else they are lost
            try:
                await self._spool.append(to_json(op))
            except SpoolError:
                self.stats.lost += 1
        if self._held and self.stats.lost:
            log.error("call records LOST at shutdown: database down and spool full",
                      extra={"records": self.stats.lost})  # fmt: skip
        self._held.clear()
        if not self._spool.empty:
            log.warning(
                "call records remain in the spool; they will be replayed on the next start",
                extra={"spool_dir": str(self.spool_dir), "segments": self._spool.segments},
            )
        await self._spool.close()

    async def flush(self) -> None:
        """Wait until the spool has been replayed (wrap in ``asyncio.timeout``)."""
        self._wake.set()
        await self._drained.wait()

    # -- writing -----------------------------------------------------------------------

    async def record(self, op: CallOp) -> None:
        """Record one op durably (database or spool). Never raises.

        Returns when the op is committed or fsync'd; at most about ``write_timeout`` when
        the database has just gone away, immediately-ish while spooling. If the caller is
        cancelled, the write still completes in the background.
        """
        task = asyncio.ensure_future(self._record(op))
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)
        await asyncio.shield(task)

    async def started(self, call: CallStarted) -> None:
        await self.record(call)

    async def answered(self, call_id: uuid.UUID, at: datetime | None = None) -> None:
        await self.record(CallAnswered(call_id, at or utcnow()))

    async def event(
        self,
        call_id: uuid.UUID,
        kind: str,
        data: dict[str, Any] | None = None,
        at: datetime | None = None,
    ) -> uuid.UUID:
        """Record an event of a call; returns its event id."""
        ev = CallEvent(call_id, kind, data or {}, at or utcnow())
        await self.record(ev)
        return ev.event_id

    async def ended(
        self,
        call_id: uuid.UUID,
        at: datetime | None = None,
        outcome: str | None = None,
        cause: str | None = None,
    ) -> None:
        await self.record(CallEnded(call_id, at or utcnow(), outcome, cause))

    async def _record(self, op: CallOp) -> None:
        try:
            op = normalize(op)
            if not self._spooling:
                result, reason = await self._write_one(op)
                if result is _Result.OK:
                    self.stats.written += 1
                    return
                if result is _Result.REJECTED:
                    await self._reject(op, reason)
                    return
                if not self._spooling:
                    log.warning(
                        "database unavailable; call records go to the disk spool until it is back",
                        extra={
                            "database": self._db.display_url,
                            "spool_dir": str(self.spool_dir),
                            "error": reason,
                        },
                    )
            await self._to_spool(op)
        except Exception:
            log.exception(
                "unexpected error while recording a call record",
                extra={"call_id": str(op.call_id), "op": op.op_name},
            )

    async def _to_spool(self, op: CallOp) -> None:
        if self._held:
            self._hold(op)
            return
        try:
            await self._spool.append(to_json(op))
        except SpoolError as exc:
            # Last resort: straight to the database, even if out of order.
            result, _ = await self._write_one(op)
            if result is _Result.OK:
                self.stats.written += 1
                return
            log.error(
                "the spool is not writable and the database is down: call records are kept "
                "in memory until the database is back",
                extra={"spool_dir": str(self.spool_dir), "error": str(exc)},
            )
            self._hold(op)
            return
        self.stats.spooled += 1
        if not self._spooling:
            self._set_spooling(True)  # wakes the replayer; later appends leave its back-off be

    def _hold(self, op: CallOp) -> None:
        if len(self._held) >= MAX_HELD:
            self.stats.lost += 1
            log.error(
                "call record LOST: database down, spool not writable, memory buffer full",
                extra={"call_id": str(op.call_id), "op": op.op_name},
            )
            return
        self._held.append(op)
        self.stats.held += 1
        if not self._spooling:
            self._set_spooling(True)
        self._wake.set()

    async def _reject(self, op: CallOp, reason: str) -> None:
        self.stats.rejected += 1
        try:
            where = await self._spool.reject(to_json(op), reason)
        except OSError as exc:
            self.stats.lost += 1
            log.error(
                "call record refused by the database and could not be kept",
                extra={
                    "call_id": str(op.call_id),
                    "op": op.op_name,
                    "reason": reason,
                    "error": exc.strerror,
                },
            )
            return
        log.error(
            "call record refused by the database; kept for inspection",
            extra={
                "call_id": str(op.call_id),
                "op": op.op_name,
                "reason": reason,
                "file": str(where),
            },
        )

    async def _write_one(self, op: CallOp) -> tuple[_Result, str]:
        try:
            async with (
                asyncio.timeout(self._write_timeout),
                self._db.connection(wait=self._write_timeout) as conn,
                conn.pipeline(),
                conn.transaction(),
            ):
                await apply(conn, op)
        except Exception as exc:
            return self._classify(exc)
        return _Result.OK, ""

    def _classify(self, exc: Exception) -> tuple[_Result, str]:
        if isinstance(exc, TimeoutError):
            return _Result.UNAVAILABLE, f"no answer within {self._write_timeout} s"
        if isinstance(exc, DatabaseUnavailable):
            return _Result.UNAVAILABLE, str(exc)
        if isinstance(exc, psycopg.errors.UndefinedTable):
            self._schema_ready = False  # e.g. the database was reset under us
            return _Result.UNAVAILABLE, "schema missing"
        if is_unavailable_error(exc):
            return _Result.UNAVAILABLE, self._db.unavailable(exc).args[0]
        if isinstance(exc, psycopg.Error):
            state = exc.sqlstate or "?"
            return _Result.REJECTED, f"{type(exc).__name__} (SQLSTATE {state})"
        log.error("unexpected error writing a call record", exc_info=exc)
        return _Result.REJECTED, f"unexpected {type(exc).__name__}"

    # -- replay ------------------------------------------------------------------------

    async def _ensure_ready(self, *, at_start: bool = False) -> bool:
        """Database reachable and schema up to date?"""
        if not await self._db.healthy():
            return False
        if self._schema_ready or not self._migrate:
            self._schema_ready = True
            return True
        try:
            await migrate(self._db)
        except DatabaseUnavailable:
            return False
        except SchemaTooNew:
            if at_start:
                raise
            self._log_schema_error()
            return False
        except MigrationError:
            if at_start:
                raise
            self._log_schema_error()
            return False
        self._schema_ready = True
        return True

    def _log_schema_error(self) -> None:
        if not self._schema_error_logged:
            self._schema_error_logged = True
            log.error(
                "database schema cannot be used; call records stay in the spool",
                exc_info=True,
                extra={"spool_dir": str(self.spool_dir)},
            )

    async def _replay_loop(self) -> None:
        delay = self._retry_min
        while True:
            if not self._spooling:
                self._wake.clear()
                await self._wake.wait()
                continue
            try:
                drained = await self._replay()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("spool replay failed unexpectedly; will retry")
                drained = False
            if drained:
                delay = self._retry_min
            else:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await self._wake.wait()  # a new spooled record or flush() retries now
                delay = min(delay * 2, self._retry_max)

    async def _replay(self) -> bool:
        """Replay the spool in order; True when it is empty and direct writing resumed."""
        async with self._replay_lock:
            if not await self._ensure_ready():
                return False
            t0 = time.monotonic()
            count = 0
            while True:
                segments = await self._spool.seal()
                if not segments:
                    if self._spool.empty:
                        break
                    await asyncio.sleep(0)  # an append is being written; seal it next
                    continue
                for segment in segments:
                    ops: list[CallOp] = []
                    for rec in await self._spool.read(segment):
                        try:
                            ops.append(from_json(rec))
                        except ValueError as exc:
                            self.stats.rejected += 1
                            await self._spool.reject(rec, f"unreadable spool record: {exc}")
                    for i in range(0, len(ops), self._replay_batch):
                        if not await self._apply_batch(ops[i : i + self._replay_batch]):
                            return False
                    await self._spool.remove(segment)
                    count += len(ops)
            while self._held:  # newer than anything on the disk
                batch = self._held[: self._replay_batch]
                if not await self._apply_batch(batch):
                    return False
                del self._held[: len(batch)]
                count += len(batch)
            self._set_spooling(False)
            if count:
                log.info(
                    "spool replayed; call records go straight to the database again",
                    extra={"records": count, "seconds": round(time.monotonic() - t0, 3)},
                )
            return True

    async def _apply_batch(self, ops: Sequence[CallOp]) -> bool:
        """Write ops in one transaction; False if the database went away."""
        try:
            async with (
                asyncio.timeout(self._write_timeout + 0.01 * len(ops)),
                self._db.connection(wait=self._write_timeout) as conn,
                conn.pipeline(),
                conn.transaction(),
            ):
                for op in ops:
                    await apply(conn, op)
        except Exception as exc:
            result, _ = self._classify(exc)
            if result is _Result.UNAVAILABLE:
                return False
            # Something in the batch is refused for good: find it, one op at a time.
            for op in ops:
                result, reason = await self._write_one(op)
                if result is _Result.UNAVAILABLE:
                    return False
                if result is _Result.REJECTED:
                    await self._reject(op, reason)
                else:
                    self.stats.replayed += 1
            return True
        self.stats.replayed += len(ops)
        return True

    # -- reading -----------------------------------------------------------------------

    async def get_call(self, call_id: uuid.UUID) -> CallRow | None:
        """The call as stored in the database (spooled records not yet replayed are not
        included). Raises :class:`DatabaseUnavailable`."""
        async with self._db.connection() as conn:
            cur = await conn.execute(SELECT_CALL, (call_id,))
            row = await cur.fetchone()
        return call_from_row(row) if row is not None else None

    async def recent_calls(self, limit: int = 20) -> list[CallRow]:
        """The newest calls first. Raises :class:`DatabaseUnavailable`."""
        async with self._db.connection() as conn:
            cur = await conn.execute(SELECT_RECENT, (limit,))
            rows = await cur.fetchall()
        return [call_from_row(r) for r in rows]

    async def events(self, call_id: uuid.UUID) -> list[CallEventRow]:
        """A call's events in time order. Raises :class:`DatabaseUnavailable`."""
        async with self._db.connection() as conn:
            cur = await conn.execute(SELECT_EVENTS, (call_id,))
            rows = await cur.fetchall()
        return [event_from_row(r) for r in rows]
