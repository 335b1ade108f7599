"""One stream of events per call, read by everyone who needs them.

The call controller opens a stream for each call; the conversation and the controller
publish typed events (agent/domain/call_events.py) on it; every reader gets each event
with the time it happened, in order: the call log (which keeps it in the database or
its disk spool), the call statistics, and whatever else is added (a console's live
view, the daily report). Publishing never waits and never fails: a reader that raises
is logged and the call goes on. ``flush()`` waits until the readers' writes are done
(before the call's end is recorded).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

from agent.domain.call_events import CallEvent

log = logging.getLogger(__name__)

#: a reader: may return an awaitable (a write), which the stream runs and keeps track of
Reader = Callable[[uuid.UUID, CallEvent, datetime], Awaitable[None] | None]


class CallStream:
    def __init__(self, call_id: uuid.UUID, readers: Sequence[Reader]) -> None:
        self.call_id = call_id
        self._readers = list(readers)
        self._pending: set[asyncio.Future[None]] = set()

    def publish(self, event: CallEvent) -> None:
        at = datetime.now(UTC)
        for reader in self._readers:
            try:
                work = reader(self.call_id, event, at)
            except Exception:
                log.exception("a call event reader failed", extra={"kind": event.kind})
                continue
            if work is not None:
                task = asyncio.ensure_future(work)
                self._pending.add(task)
                task.add_done_callback(self._done)

    def _done(self, task: asyncio.Future[None]) -> None:
        self._pending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("a call event was not kept", exc_info=task.exception())

    async def flush(self) -> None:
        """Wait for the readers' work on what was published so far."""
        while self._pending:
            await asyncio.wait(set(self._pending))
