"""An append-only, crash-safe queue of JSON records on disk.

Records are appended as JSON lines to numbered segment files
(``segment-0000000001.jsonl``, ...) and fsync'd before :meth:`Spool.append` returns.
A reader takes the oldest *sealed* segments (:meth:`Spool.seal` closes the one being
written, so appends continue into a new one), and :meth:`Spool.remove` deletes a
segment only after everything in it has been consumed. A crash at any point loses
nothing that was acknowledged; it can at worst hand a segment out twice, so consumers
must be idempotent.

A segment is never appended to by a later process, so a line torn by a crash stays the
last line of its segment. Lines that cannot be read are moved to a ``quarantine-*``
file, never dropped, and the rest of the segment is used. Records a consumer cannot
use are kept in ``rejected.jsonl`` (:meth:`Spool.reject`).

One process owns a spool directory at a time (an exclusive ``flock`` on ``.lock``).
Appends are group-committed: concurrent appends share one write + fsync, done in a
worker thread so the event loop never waits on the disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

JsonObject = dict[str, Any]
_SEGMENT = re.compile(r"^segment-(\d{10})\.jsonl$")


class SpoolError(Exception):
    """The spool directory cannot be used (not writable, disk full, owned by another process)."""


@dataclass(slots=True)
class _Batch:
    lines: list[bytes] = field(default_factory=list)
    done: bool = False
    error: SpoolError | None = None


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


async def _to_thread_uncancelled(fn: Any, *args: Any) -> Any:
    """Run ``fn`` in a thread; if the caller is cancelled, still wait for the thread to finish
    (so a half-done disk write never overlaps the next one), then re-raise the cancellation."""
    fut: asyncio.Future[Any] = asyncio.ensure_future(asyncio.to_thread(fn, *args))
    try:
        return await asyncio.shield(fut)
    except asyncio.CancelledError:
        if not fut.done():
            await asyncio.wait([fut])
        raise


class Spool:
    def __init__(self, directory: Path | str, *, segment_bytes: int = 4 * 1024 * 1024) -> None:
        self.directory = Path(directory)
        self._segment_bytes = segment_bytes
        self._lock_fd: int | None = None
        self._sealed: list[Path] = []
        self._next_seq = 1
        self._active: Path | None = None
        self._active_fd: int | None = None
        self._active_bytes = 0
        self._active_lines = 0
        self._unflushed = 0
        self._batch = _Batch()
        self._io_lock = asyncio.Lock()

    # -- lifecycle ---------------------------------------------------------------------

    async def open(self) -> None:
        """Create/lock the directory and find the segments a previous process left."""
        await asyncio.to_thread(self._open_sync)

    def _open_sync(self) -> None:
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)  # caller data
            fd = os.open(self.directory / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise SpoolError(
                f"spool directory {self.directory} is not usable ({exc.strerror}); "
                "set database.spool_dir / RUFBEREIT_SPOOL_DIR to a writable directory"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise SpoolError(
                f"spool directory {self.directory} is in use by another rufbereit process; "
                "each process needs its own spool_dir"
            ) from None
        self._lock_fd = fd
        seqs = sorted(
            int(m.group(1)) for p in self.directory.iterdir() if (m := _SEGMENT.match(p.name))
        )
        self._sealed = [self._segment_path(s) for s in seqs]
        self._next_seq = (seqs[-1] + 1) if seqs else 1

    async def close(self) -> None:
        async with self._io_lock:
            await asyncio.to_thread(self._close_sync)

    def _close_sync(self) -> None:
        self._seal_active_sync()
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = None

    # -- state -------------------------------------------------------------------------

    @property
    def empty(self) -> bool:
        """Nothing waits to be consumed: no sealed segment, nothing written or being written."""
        return not self._sealed and self._active_lines == 0 and self._unflushed == 0

    @property
    def segments(self) -> int:
        return len(self._sealed) + (1 if self._active_lines else 0)

    def _segment_path(self, seq: int) -> Path:
        return self.directory / f"segment-{seq:010d}.jsonl"

    # -- writing -----------------------------------------------------------------------

    async def append(self, record: JsonObject) -> None:
        """Append one record; it is on disk (fsync'd) when this returns.

        Raises :class:`SpoolError` if it could not be written.
        """
        if self._lock_fd is None:
            raise SpoolError(f"spool {self.directory} is not open")
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        batch = self._batch
        batch.lines.append(line)
        self._unflushed += 1
        async with self._io_lock:
            await self._flush_locked(batch)
        if batch.error is not None:
            raise batch.error

    async def _flush_locked(self, batch: _Batch) -> None:
        """Write ``batch`` (under ``_io_lock``) unless that has been done already."""
        if batch.done or not batch.lines:
            return
        if batch is self._batch:
            self._batch = _Batch()
        try:
            await _to_thread_uncancelled(self._write_sync, b"".join(batch.lines))
        except OSError as exc:
            batch.error = SpoolError(
                f"cannot write to spool {self.directory}: {exc.strerror or exc}"
            )
            # A failed write may have left half a line: never append after it.
            with contextlib.suppress(OSError):
                await _to_thread_uncancelled(self._seal_active_sync)
        finally:
            batch.done = True
            self._unflushed -= len(batch.lines)
        if batch.error is None:
            self._active_lines += len(batch.lines)
            if self._active_bytes >= self._segment_bytes:
                await _to_thread_uncancelled(self._seal_active_sync)

    def _write_sync(self, data: bytes) -> None:
        if self._active_fd is None:
            path = self._segment_path(self._next_seq)
            self._active_fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            self._next_seq += 1
            self._active = path
            self._active_bytes = 0
            self._active_lines = 0
            _fsync_dir(self.directory)
        view = memoryview(data)
        try:
            while view:
                written = os.write(self._active_fd, view)
                view = view[written:]
            os.fdatasync(self._active_fd)
        except OSError:
            # a full disk takes part of the batch: cut the half line off again, so the
            # segment holds only whole records (the caller keeps them elsewhere)
            with contextlib.suppress(OSError):
                os.ftruncate(self._active_fd, self._active_bytes)
            raise
        self._active_bytes += len(data)

    def _seal_active_sync(self) -> None:
        if self._active_fd is None:
            return
        os.close(self._active_fd)
        self._active_fd = None
        if self._active is not None:
            if self._active_lines:
                self._sealed.append(self._active)
            else:
                self._active.unlink(missing_ok=True)
        self._active = None
        self._active_bytes = 0
        self._active_lines = 0

    # -- reading -----------------------------------------------------------------------

    async def seal(self) -> list[Path]:
        """Close the segment being written and return all sealed segments, oldest first."""
        async with self._io_lock:
            # Lines whose appender was cancelled before it could write them are written now.
            await self._flush_locked(self._batch)
            if self._active_fd is not None and self._active_lines:
                await _to_thread_uncancelled(self._seal_active_sync)
            return list(self._sealed)

    async def read(self, segment: Path) -> list[JsonObject]:
        """The records of a sealed segment, in order; unreadable lines go to quarantine."""
        result: list[JsonObject] = await asyncio.to_thread(self._read_sync, segment)
        return result

    def _read_sync(self, segment: Path) -> list[JsonObject]:
        data = segment.read_bytes()
        records: list[JsonObject] = []
        bad: list[bytes] = []
        lines = data.split(b"\n")
        # A last line without its newline is a write torn by a crash: used if it is whole.
        torn = bool(lines[-1].strip())
        for raw in lines:
            if not raw.strip():
                continue
            try:
                value = json.loads(raw)
            except ValueError:
                value = None
            if isinstance(value, dict):
                records.append(value)
            else:
                bad.append(raw)
        if bad:
            try:
                where: Path | str = self._quarantine_sync(segment, bad)
            except OSError as exc:  # a full disk: the lines are garbage; say so, go on
                where = f"not kept ({exc.strerror})"
            log.warning(
                "spool segment had unreadable lines; they were moved aside, the rest is used",
                extra={
                    "segment": segment.name,
                    "unreadable_lines": len(bad),
                    "torn_last_line": torn,
                    "quarantine": str(where),
                },
            )
        return records

    def _quarantine_sync(self, segment: Path, lines: list[bytes]) -> Path:
        target = self.directory / f"quarantine-{segment.stem}.jsonl"
        self._append_file_sync(target, b"".join(raw + b"\n" for raw in lines))
        return target

    async def remove(self, segment: Path) -> None:
        """Forget a sealed segment whose records have all been consumed."""
        await asyncio.to_thread(self._remove_sync, segment)

    def _remove_sync(self, segment: Path) -> None:
        segment.unlink(missing_ok=True)
        _fsync_dir(self.directory)
        if segment in self._sealed:
            self._sealed.remove(segment)

    # -- dead letters ------------------------------------------------------------------

    async def reject(self, record: JsonObject, reason: str) -> Path:
        """Keep a record that can never be consumed (in ``rejected.jsonl``), with why."""
        entry = {"rejected_at": datetime.now(UTC).isoformat(), "reason": reason, "record": record}
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":"), default=str) + "\n"
        target = self.directory / "rejected.jsonl"
        await asyncio.to_thread(self._append_file_sync, target, line.encode())
        return target

    @staticmethod
    def _append_file_sync(path: Path, data: bytes) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
