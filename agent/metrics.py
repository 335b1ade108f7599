"""Prometheus metrics of the running agent (``prometheus-client``), read from the calls'
event streams and from the parts' own counters.

A reader of every call's stream (agent/telephony/call_stream.py) counts calls by how
they ended, turns, barge-ins and transfers, and puts the caller's wait for a reply and
the recogniser's time into histograms; gauges ask the parts when scraped (calls in
progress, records held in the disk spool or in memory). One registry per agent, so tests
and several agents in one process do not mix.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from agent.domain.call_events import (
    BargedIn,
    CallClosed,
    CallerRated,
    CallerSaid,
    CallEvent,
    EscalationEnded,
    ReplyAudio,
    TransferStarted,
)

#: seconds a caller waits for the first audio of a reply
TURN_BUCKETS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.5, 2.0, 3.0, 5.0)
#: seconds from an emergency's report to a technician's key
ACK_BUCKETS = (30, 60, 120, 180, 300, 600, 900, 1800, 3600)


class CallMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.calls = Counter("rufbereit_calls", "calls ended, by outcome", ["outcome"],
                             registry=r)  # fmt: skip
        self.turns = Counter("rufbereit_caller_turns", "what callers said, turn by turn",
                             registry=r)  # fmt: skip
        self.barge_ins = Counter("rufbereit_barge_ins", "callers talking over a reply",
                                 registry=r)  # fmt: skip
        self.transfers = Counter("rufbereit_transfers", "warm transfers started, by reason",
                                 ["reason"], registry=r)  # fmt: skip
        self.escalations = Counter("rufbereit_escalations_ended", "emergencies whose rota "
                                   "ended, by whether someone took it", ["acknowledged"],
                                   registry=r)  # fmt: skip
        self.ratings = Counter("rufbereit_caller_ratings", "callers' ratings of their call "
                               "(1 poor to 5 very good)", ["rating"], registry=r)  # fmt: skip
        self.turn_latency = Histogram("rufbereit_turn_latency_seconds", "from the end of the "
                                      "caller's speech to the first audio of the reply",
                                      buckets=TURN_BUCKETS, registry=r)  # fmt: skip
        self.tts = Histogram("rufbereit_tts_first_audio_seconds", "the voice's time to "
                             "the first audio of a reply", buckets=TURN_BUCKETS,
                             registry=r)  # fmt: skip
        self.escalation_ack = Histogram("rufbereit_escalation_ack_seconds", "from an "
                                        "emergency's report to the technician's key",
                                        buckets=ACK_BUCKETS, registry=r)  # fmt: skip
        self.stt = Histogram("rufbereit_recogniser_seconds", "the recogniser's time for a "
                             "turn after the caller stopped", buckets=TURN_BUCKETS,
                             registry=r)  # fmt: skip

    def __call__(self, call_id: uuid.UUID, event: CallEvent, at: datetime) -> None:
        if isinstance(event, CallClosed):
            self.calls.labels(event.outcome).inc()
        elif isinstance(event, CallerSaid):
            self.turns.inc()
            self.stt.observe(event.stt_ms / 1000)
        elif isinstance(event, ReplyAudio):
            self.turn_latency.observe(event.turn_ms / 1000)
            if event.tts_ms is not None:
                self.tts.observe(event.tts_ms / 1000)
        elif isinstance(event, BargedIn):
            self.barge_ins.inc()
        elif isinstance(event, TransferStarted):
            self.transfers.labels(event.reason or "unknown").inc()
        elif isinstance(event, CallerRated):
            self.ratings.labels(str(event.rating)).inc()
        elif isinstance(event, EscalationEnded):
            self.escalations.labels(str(event.acknowledged).lower()).inc()

    def gauge(self, name: str, doc: str, read: Callable[[], float]) -> None:
        """A value read from a part when scraped (calls in progress, spool size)."""
        Gauge(name, doc, registry=self.registry).set_function(read)


class Probe:
    """A value that takes a query to know (the outbox's backlog): read every ``every_s``
    in the background, so a scrape never waits on the database. ``value`` keeps the last
    good reading (-1 before the first one)."""

    def __init__(self, read: Callable[[], Awaitable[float]], every_s: float = 30.0) -> None:
        self._read = read
        self._every = every_s
        self.value = -1.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="metrics-probe")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                self.value = float(await self._read())
            except Exception as exc:  # the database is down: keep the last reading
                logging.getLogger(__name__).debug("probe failed", extra={"error": str(exc)})
            await asyncio.sleep(self._every)
