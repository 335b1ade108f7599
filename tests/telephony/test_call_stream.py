"""One stream of typed events per call: every reader gets every event in order, a
reader that fails loses nothing for the others, and flush() waits for the writes."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime

import pytest

from agent.domain.call_events import (
    AssistantSaid,
    BargedIn,
    CallerSaid,
    CallEvent,
    FellBack,
    HandedOver,
    ReplyAudio,
    TransferNotTaken,
    TransferStarted,
)
from agent.telephony.call_stats import CallStats
from agent.telephony.call_stream import CallStream

CALL = uuid.uuid4()


def test_events_are_stored_as_before() -> None:
    """The kinds and data the call log has always stored (tests, exports and the soak read
    them) stay as they were."""
    assert (CallerSaid("Hallo", "whisper-base", 120, 400, False).kind, CallerSaid(
        "Hallo", "whisper-base", 120, 400, False).data()) == ("caller_said", {
            "text": "Hallo", "model": "whisper-base", "stt_ms": 120, "end_of_turn_ms": 400,
            "early": False})  # fmt: skip
    assert BargedIn(900, 180, None).data() == {"ms": 900, "detect_ms": 180, "echo_loss_db": None}
    assert TransferStarted(None).data() == {"reason": None}
    assert TransferNotTaken(reason="caller_hung_up").data() == {"reason": "caller_hung_up"}
    assert (HandedOver().kind, HandedOver().data()) == ("handover", {})
    assert (FellBack("kaputt").kind, FellBack("kaputt").data()) == (
        "fallback",
        {"summary": "kaputt"},
    )


async def test_every_reader_gets_every_event_in_order_and_flush_waits() -> None:
    written: list[tuple[str, datetime]] = []
    seen: list[str] = []

    async def slow_writer(call_id: uuid.UUID, event: CallEvent, at: datetime) -> None:
        await asyncio.sleep(0.01)
        written.append((event.kind, at))

    def broken(call_id: uuid.UUID, event: CallEvent, at: datetime) -> None:
        raise RuntimeError("a reader with a bug")

    def watcher(call_id: uuid.UUID, event: CallEvent, at: datetime) -> None:
        assert call_id == CALL
        seen.append(event.kind)

    stream = CallStream(CALL, [slow_writer, broken, watcher])
    for event in (CallerSaid("a", "m", 1, 2, True), AssistantSaid("b", 3), ReplyAudio(400)):
        stream.publish(event)
    assert seen == ["caller_said", "assistant_said", "reply_audio"]  # at once, in order
    await stream.flush()
    assert [k for k, _ in sorted(written, key=lambda w: w[1])] == seen
    times = [at for _, at in written]
    assert len(set(times)) == 3  # each event keeps the time it happened


async def test_a_failed_write_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    async def failing(call_id: uuid.UUID, event: CallEvent, at: datetime) -> None:
        raise OSError("disk full")

    stream = CallStream(CALL, [failing])
    stream.publish(AssistantSaid("b", 3))
    await stream.flush()
    assert "not kept" in caplog.text


def test_call_stats_count_what_happened() -> None:
    stats = CallStats()
    stream = CallStream(CALL, [stats])
    for ms in (300, 400, 500, 2000):
        stream.publish(ReplyAudio(ms))
    stream.publish(CallerSaid("a", "m", 1, 2, True))
    stream.publish(HandedOver("x"))
    snap = stats.snapshot()
    assert snap["caller_turns"] == 1 and snap["handovers"] == 1
    assert snap["turn_ms_p50"] == 450 and snap["turn_ms_p95"] == 2000
