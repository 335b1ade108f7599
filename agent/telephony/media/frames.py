"""What flows between Asterisk and the agent: audio frames, DTMF digits, and the
``MediaSession`` interface every media transport implements.

Audio inside the agent is signed 16-bit little-endian mono PCM at 16 kHz
("slin16"). One ``AudioFrame`` is always exactly 20 ms = 640 bytes; transports
re-frame whatever the wire carries.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000
SAMPLE_WIDTH = 2  # bytes per sample (16-bit)
FRAME_MS = 20
FRAME_SAMPLES = SAMPLE_RATE * FRAME_MS // 1000  # 320
FRAME_BYTES = FRAME_SAMPLES * SAMPLE_WIDTH  # 640
BYTES_PER_SECOND = SAMPLE_RATE * SAMPLE_WIDTH  # 32000

DTMF_DIGITS = frozenset("0123456789*#ABCD")


@dataclass(frozen=True, slots=True)
class AudioFrame:
    """20 ms of caller audio, slin16 little-endian (``FRAME_BYTES`` long)."""

    pcm: bytes


@dataclass(frozen=True, slots=True)
class DtmfDigit:
    """A key the caller pressed: "0"-"9", "*", "#" or "A"-"D"."""

    digit: str

    def __post_init__(self) -> None:
        if self.digit not in DTMF_DIGITS:
            raise ValueError(f"not a DTMF digit: {self.digit!r}")


MediaEvent = AudioFrame | DtmfDigit


class MediaError(Exception):
    """The media connection failed or the peer broke the protocol."""


class MediaTimeoutError(MediaError, TimeoutError):
    """A media connection did not arrive or did not start in time."""


@runtime_checkable
class MediaSession(Protocol):
    """One call's audio in and out.

    * ``events()`` yields caller audio and DTMF until the media closes (hangup,
      EOF or ``close()``). One consumer per session.
    * ``play(pcm)`` sends slin16 audio (any even length; the last frame is padded
      with silence) and returns once it has been played out, give or take a
      frame or two. Concurrent calls are played one after the other. After
      ``flush()`` or on a closed session it returns early without error.
    * ``flush()`` drops all audio queued for the caller at once (barge-in).
    * ``close()`` ends the media (idempotent).
    """

    def events(self) -> AsyncIterator[MediaEvent]: ...

    async def play(self, pcm: bytes) -> None: ...

    async def flush(self) -> None: ...

    async def close(self) -> None: ...

    @property
    def closed(self) -> bool: ...


class EventBuffer:
    """Incoming media events between a transport's reader and the consumer.

    Never blocks the reader (a stalled reader would stall Asterisk): when more
    than ``max_audio_frames`` audio frames wait, the oldest audio frame is
    dropped. DTMF digits are never dropped.
    """

    def __init__(self, max_audio_frames: int = 250, *, name: str = "media") -> None:
        if max_audio_frames < 1:
            raise ValueError("max_audio_frames must be at least 1")
        self._max_audio = max_audio_frames
        self._name = name
        self._items: collections.deque[MediaEvent] = collections.deque()
        self._audio = 0
        self._closed = False
        self._ready = asyncio.Event()
        self.dropped = 0

    @property
    def closed(self) -> bool:
        return self._closed

    def __len__(self) -> int:
        return len(self._items)

    def put(self, event: MediaEvent) -> None:
        if self._closed:
            return
        if isinstance(event, AudioFrame):
            if self._audio >= self._max_audio:
                self._drop_oldest_audio()
            self._audio += 1
        self._items.append(event)
        self._ready.set()

    def _drop_oldest_audio(self) -> None:
        for i, item in enumerate(self._items):
            if isinstance(item, AudioFrame):
                del self._items[i]
                self._audio -= 1
                self.dropped += 1
                if self.dropped == 1 or self.dropped % 500 == 0:
                    log.warning(
                        "media consumer too slow; dropping oldest caller audio",
                        extra={"media": self._name, "dropped_frames": self.dropped},
                    )
                return

    def close(self) -> None:
        """No more events will come; the consumer still gets what is buffered."""
        self._closed = True
        self._ready.set()

    async def get(self) -> MediaEvent | None:
        """The next event, or None once closed and drained."""
        while not self._items:
            if self._closed:
                return None
            self._ready.clear()
            await self._ready.wait()
        item = self._items.popleft()
        if isinstance(item, AudioFrame):
            self._audio -= 1
        return item

    async def __aiter__(self) -> AsyncIterator[MediaEvent]:
        while (item := await self.get()) is not None:
            yield item
