"""Real-time pacing of outgoing audio, and cutting PCM into whole 20 ms frames.

``Pacer`` ticks on absolute deadlines (start + n * interval on a monotonic
clock), so sleep overshoot never accumulates into drift. After an idle period
or a stall longer than ``max_lag`` it re-anchors at "now" instead of bursting
the missed frames (Asterisk cuts bursts).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from agent.telephony.media.frames import FRAME_BYTES, FRAME_MS, SAMPLE_WIDTH

Clock = Callable[[], float]


@dataclass(slots=True)
class PacerStats:
    ticks: int = 0
    reanchors: int = 0  # times the timeline was restarted (idle or stall)
    max_late_s: float = 0.0  # worst lateness of a tick that was still on the timeline


class Pacer:
    def __init__(
        self,
        interval_s: float = FRAME_MS / 1000,
        *,
        max_lag_s: float | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        if interval_s <= 0:
            raise ValueError("interval_s must be positive")
        self.interval_s = interval_s
        # Catch up on small lateness (drift-free); restart after a real gap.
        self.max_lag_s = max_lag_s if max_lag_s is not None else 3 * interval_s
        self._clock = clock
        self._next: float | None = None
        self.stats = PacerStats()

    def reset(self) -> None:
        """Forget the timeline: the next tick happens at once."""
        self._next = None

    def next_deadline(self) -> float | None:
        return self._next

    def delay(self) -> float:
        """Seconds until the next tick may happen (0 if due), advancing the
        timeline as if that tick had happened. Used by ``wait()``; handy for
        callers that want their own interruptible sleep."""
        now = self._clock()
        nxt = self._next
        if nxt is None or now - nxt > self.max_lag_s:
            if nxt is not None:
                self.stats.reanchors += 1
            nxt = now
        elif now > nxt:
            self.stats.max_late_s = max(self.stats.max_late_s, now - nxt)
        self._next = nxt + self.interval_s
        self.stats.ticks += 1
        return max(0.0, nxt - now)

    async def wait(self) -> None:
        """Sleep until the next tick on the timeline."""
        pause = self.delay()
        if pause > 0:
            await asyncio.sleep(pause)


def frame_count(pcm_len: int, frame_bytes: int = FRAME_BYTES) -> int:
    """How many frames ``pcm_len`` bytes make once the last one is padded."""
    return math.ceil(pcm_len / frame_bytes)


def pad_to_frames(pcm: bytes, frame_bytes: int = FRAME_BYTES) -> bytes:
    """``pcm`` padded with silence to a whole number of frames."""
    rest = len(pcm) % frame_bytes
    return pcm if rest == 0 else pcm + bytes(frame_bytes - rest)


def split_frames(pcm: bytes, frame_bytes: int = FRAME_BYTES) -> Iterator[bytes]:
    """Whole frames of ``pcm``; the last one is padded with silence."""
    view = memoryview(pad_to_frames(pcm, frame_bytes))
    for start in range(0, len(view), frame_bytes):
        yield bytes(view[start : start + frame_bytes])


def check_pcm(pcm: bytes) -> None:
    """16-bit PCM must have an even number of bytes."""
    if len(pcm) % SAMPLE_WIDTH:
        raise ValueError(f"16-bit PCM needs an even number of bytes, got {len(pcm)}")


class FrameAssembler:
    """Re-frames a byte stream of audio into whole frames, keeping the remainder."""

    def __init__(self, frame_bytes: int = FRAME_BYTES) -> None:
        self.frame_bytes = frame_bytes
        self._buf = bytearray()

    @property
    def pending(self) -> int:
        return len(self._buf)

    def feed(self, data: bytes) -> list[bytes]:
        self._buf += data
        n = len(self._buf) // self.frame_bytes * self.frame_bytes
        if n == 0:
            return []
        out = [bytes(self._buf[i : i + self.frame_bytes]) for i in range(0, n, self.frame_bytes)]
        del self._buf[:n]
        return out

    def clear(self) -> None:
        self._buf.clear()
