"""Frames, DTMF digits and the event buffer between a transport and its consumer."""

from __future__ import annotations

import asyncio

import pytest

from agent.telephony.media import (
    FRAME_BYTES,
    FRAME_SAMPLES,
    SAMPLE_RATE,
    AudioFrame,
    AudioSocketSession,
    DtmfDigit,
    MediaError,
    MediaSession,
    MediaTimeoutError,
    WebSocketMediaSession,
)
from agent.telephony.media.frames import EventBuffer


def test_constants() -> None:
    assert SAMPLE_RATE == 16000
    assert FRAME_SAMPLES == 320
    assert FRAME_BYTES == 640


def test_dtmf_digits() -> None:
    for d in "0123456789*#ABCD":
        assert DtmfDigit(d).digit == d
    for bad in ("", "E", "11", "a", " "):
        with pytest.raises(ValueError):
            DtmfDigit(bad)


def test_timeout_error_is_both_media_and_timeout_error() -> None:
    err = MediaTimeoutError("x")
    assert isinstance(err, MediaError)
    assert isinstance(err, TimeoutError)


def test_transports_implement_the_protocol() -> None:
    for cls in (AudioSocketSession, WebSocketMediaSession):
        for name in ("events", "play", "flush", "close", "closed"):
            assert hasattr(cls, name), (cls, name)
    assert not isinstance(object(), MediaSession)


def _frame(n: int) -> AudioFrame:
    return AudioFrame(n.to_bytes(2, "little") * FRAME_SAMPLES)


async def test_buffer_yields_in_order_and_ends_when_closed() -> None:
    buf = EventBuffer(10)
    buf.put(_frame(1))
    buf.put(DtmfDigit("5"))
    buf.put(_frame(2))
    buf.close()
    buf.put(_frame(3))  # ignored after close
    got = [e async for e in buf]
    assert got == [_frame(1), DtmfDigit("5"), _frame(2)]


async def test_buffer_drops_oldest_audio_but_never_dtmf() -> None:
    buf = EventBuffer(3)
    buf.put(DtmfDigit("1"))
    for n in range(6):
        buf.put(_frame(n))
    buf.put(DtmfDigit("#"))
    buf.close()
    got = [e async for e in buf]
    assert got == [DtmfDigit("1"), _frame(3), _frame(4), _frame(5), DtmfDigit("#")]
    assert buf.dropped == 3


async def test_buffer_wakes_a_waiting_consumer() -> None:
    buf = EventBuffer(10)
    waiter = asyncio.create_task(buf.get())
    await asyncio.sleep(0.01)
    assert not waiter.done()
    buf.put(DtmfDigit("9"))
    assert await asyncio.wait_for(waiter, 1) == DtmfDigit("9")
    closing = asyncio.create_task(buf.get())
    await asyncio.sleep(0.01)
    buf.close()
    assert await asyncio.wait_for(closing, 1) is None
