"""Hearing for one call: caller audio -> VAD + recogniser -> turn events.

:class:`TurnListener` feeds every 20 ms frame to the VAD. When speech starts it
opens a recogniser stream (primed with a little audio from before the detected
start, so the first syllable is not lost) and reports :class:`BargeIn` (the call
loop stops the assistant's audio), then :class:`PartialTranscript` as words come
in. Finished turns arrive on :attr:`TurnListener.turns` as :class:`UserTurn`;
``feed()`` itself never waits for the recogniser, so the caller is heard (and can
barge in) while a turn is being recognised.

When a turn ends (the adaptive end of turn):

- after ``end_of_turn_ms`` of silence if the words so far sound finished, after
  up to ``end_of_turn_max_ms`` if they do not ("am ... äh"), see
  :mod:`agent.speech.endpointing`;
- a streaming recogniser (Vosk) knows the words so far at every moment; one that
  does not (Whisper) starts recognising after ``speculate_ms`` of silence, so the
  transcript is ready when the silence turns out to be the end. Speech that
  resumes discards that early result.

Times in events are audio seconds since the listener started.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass

from agent.speech.audio import SAMPLE_RATE, SAMPLE_WIDTH
from agent.speech.echo import EchoGate
from agent.speech.endpointing import looks_unfinished
from agent.speech.settings import SttSettings
from agent.speech.stt import (
    RecognitionStream,
    SpeechRecognizer,
    SttError,
    Transcript,
    check_rate,
)
from agent.speech.vad import FRAME_MS, SpeechEnded, SpeechStarted, VoiceActivityDetector

log = logging.getLogger(__name__)

#: The shortest time a turn's recognition may take before it counts as failed.
RECOGNITION_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class BargeIn:
    """The caller started speaking (possibly over the assistant)."""

    at_s: float


@dataclass(frozen=True, slots=True)
class PartialTranscript:
    text: str
    at_s: float


@dataclass(frozen=True, slots=True)
class UserTurn:
    """One finished caller turn. ``text`` may be empty (noise the VAD took for speech).
    ``error`` is set when the recogniser failed (the transcript is then empty)."""

    transcript: Transcript
    started_at: float  # audio seconds
    ended_at: float  # audio seconds: end of the last speech frame
    latency_s: float  # wall time from the end-of-turn decision to the transcript
    cut: bool = False  # ended by max_turn_s, not by silence
    early: bool = False  # the transcript started during the silence (speculation)
    silence_ms: int = 0  # silence that ended the turn
    error: Exception | None = None
    decided_at: float = 0.0  # time.monotonic() when the end of the turn was decided

    @property
    def speech_ended_at(self) -> float:
        """time.monotonic() of the end of the caller's speech (as the VAD saw it)."""
        return self.decided_at - self.silence_ms / 1000

    @property
    def text(self) -> str:
        return self.transcript.text


HearingEvent = BargeIn | PartialTranscript | UserTurn


class TurnListener:
    def __init__(
        self,
        recognizer: SpeechRecognizer,
        settings: SttSettings | None = None,
        *,
        sample_rate: int = SAMPLE_RATE,
        partials: bool = True,
        echo: EchoGate | None = None,
    ) -> None:
        check_rate(sample_rate)
        s = settings or SttSettings()
        self.recognizer = recognizer
        self.settings = s
        self.sample_rate = sample_rate
        self.partials = partials
        self.vad = VoiceActivityDetector(
            aggressiveness=s.vad_aggressiveness,
            speech_start_ms=s.speech_start_ms,
            end_of_turn_ms=max(s.end_of_turn_ms, s.end_of_turn_max_ms),
            sample_rate=sample_rate,
        )
        if echo is not None:
            self.vad.gate = echo.allows
        self.turns: asyncio.Queue[UserTurn] = asyncio.Queue()
        bytes_per_ms = sample_rate * SAMPLE_WIDTH // 1000
        self._frame_bytes = FRAME_MS * bytes_per_ms
        self._pending = bytearray()
        self._preroll_max = (s.pre_roll_ms + s.speech_start_ms + 40) * bytes_per_ms
        self._preroll = bytearray()
        self._stream: RecognitionStream | None = None
        self._early: asyncio.Future[Transcript] | None = None
        self._turn_start = 0.0
        self._last_partial = ""
        self._stale: asyncio.Future[Transcript] | None = None  # a dropped early start
        self._finishing: asyncio.Task[None] | None = None  # the newest turn being finished
        self._unfinished: set[asyncio.Task[None]] = set()

    @property
    def in_turn(self) -> bool:
        """The caller is speaking (or pausing inside a turn)."""
        return self._stream is not None

    @property
    def busy(self) -> bool:
        """In a turn, or a finished turn is still being recognised."""
        return self.in_turn or (self._finishing is not None and not self._finishing.done())

    async def events(self, audio: AsyncIterable[bytes]) -> AsyncIterator[HearingEvent]:
        """All events for a stream of caller audio, turns included; a turn still open
        when the audio ends (the caller hung up) is finished too."""
        try:
            async for pcm in audio:
                for event in self.feed(pcm):
                    yield event
                while not self.turns.empty():
                    yield self.turns.get_nowait()
            if self._stream is not None:
                self._end(self.vad.position_s, cut=True)
            if self._finishing is not None:
                await self._finishing
            while not self.turns.empty():
                yield self.turns.get_nowait()
        finally:
            await self.close()

    def feed(self, pcm: bytes) -> list[BargeIn | PartialTranscript]:
        """Take caller audio (any length); return what was heard at once. Never waits."""
        out: list[BargeIn | PartialTranscript] = []
        self._pending += pcm
        fb = self._frame_bytes
        while len(self._pending) >= fb:
            frame = bytes(self._pending[:fb])
            del self._pending[:fb]
            self._frame(frame, out)
        if self._stream is not None and self.partials:
            text = self._stream.partial()
            if text and text != self._last_partial:
                self._last_partial = text
                out.append(PartialTranscript(text=text, at_s=self.vad.position_s))
        return out

    def _frame(self, frame: bytes, out: list[BargeIn | PartialTranscript]) -> None:
        self._preroll += frame
        if len(self._preroll) > self._preroll_max:
            del self._preroll[: len(self._preroll) - self._preroll_max]
        if self._stream is not None:
            self._stream.accept(frame)
        for event in self.vad.process(frame):
            if isinstance(event, SpeechStarted) and self._stream is None:
                self._open(event.at_s)
                out.append(BargeIn(at_s=event.at_s))
            elif isinstance(event, SpeechEnded) and self._stream is not None:
                self._end(event.at_s)  # the longest silence a turn may have
        if self._stream is None:
            return
        now = self.vad.position_s
        if now - self._turn_start >= self.settings.max_turn_s:
            self._end(now, cut=True)
            self._open(now, preroll=False)  # the caller is still talking: a new turn
        elif self.vad.in_speech:
            self._decide()

    def _decide(self) -> None:
        """End the turn now if the silence is long enough for what was said."""
        s, stream = self.settings, self._stream
        assert stream is not None
        silence = self.vad.silence_ms
        if silence == 0:
            self._drop_early()  # speech again: an early transcript is out of date
            return
        early_start = s.speculate_ms and silence >= s.speculate_ms
        stale_running = self._stale is not None and not self._stale.done()  # one at a time
        wanted = not self.recognizer.streaming and self._early is None and not stale_running
        if early_start and wanted:
            self._early = asyncio.ensure_future(stream.preview())
        if silence < s.end_of_turn_ms:
            return
        text = self._words_so_far()
        if text is None:
            return  # the early transcript is still being made
        if silence < s.end_of_turn_max_ms and looks_unfinished(text, s.language):
            return
        ended = self.vad.end_turn()
        self._end(ended.at_s if ended else self.vad.position_s)

    def _words_so_far(self) -> str | None:
        if self.recognizer.streaming:
            assert self._stream is not None
            return self._stream.partial()
        early = self._early
        if early is None:
            return ""  # nothing known: the short silence decides
        if not early.done():
            return None
        if early.cancelled() or early.exception() is not None:
            return ""
        return early.result().text

    def _drop_early(self) -> None:
        early, self._early = self._early, None
        if early is not None and not early.done():
            early.add_done_callback(_consume)
            early.cancel()  # the recogniser drops it unless it has started on it
            self._stale = early

    def _open(self, at_s: float, *, preroll: bool = True) -> None:
        self._stream = self.recognizer.stream(self.sample_rate)
        if preroll:
            self._stream.accept(bytes(self._preroll))
        self._turn_start = at_s
        self._last_partial = ""
        self._early = None

    def _end(self, ended_at: float, *, cut: bool = False) -> None:
        stream, early = self._stream, self._early
        assert stream is not None
        self._stream, self._early = None, None
        silence = 0 if cut else round((self.vad.position_s - ended_at) * 1000)
        previous = self._finishing
        task = asyncio.ensure_future(
            self._complete(stream, early, previous, self._turn_start, ended_at, cut, silence)
        )
        self._finishing = task
        self._unfinished.add(task)
        task.add_done_callback(self._unfinished.discard)

    async def _complete(
        self,
        stream: RecognitionStream,
        early: asyncio.Future[Transcript] | None,
        previous: asyncio.Task[None] | None,
        started_at: float,
        ended_at: float,
        cut: bool,
        silence_ms: int,
    ) -> None:
        t0 = time.monotonic()
        error: Exception | None = None
        used_early = False
        # A recogniser that hangs must not leave the caller in silence for ever.
        limit = max(RECOGNITION_TIMEOUT_S, 3 * (ended_at - started_at))
        try:
            transcript = None
            if early is not None:
                with contextlib.suppress(Exception):
                    transcript = await asyncio.wait_for(early, limit)
                    used_early = True
            if transcript is None:
                transcript = await asyncio.wait_for(stream.finish(), limit)
            else:
                await stream.cancel()
        except asyncio.CancelledError:
            await stream.cancel()
            raise
        except Exception as exc:  # the call loop decides what a dead recogniser means
            if isinstance(exc, TimeoutError):
                exc = SttError(f"recognition took longer than {limit:.0f} s")
            log.error("recognition failed", extra={"error": str(exc)})
            error = exc
            await stream.cancel()
            transcript = Transcript("", 0.0, 0.0, self.recognizer.model_name, "none")
        turn = UserTurn(
            transcript=transcript,
            started_at=started_at,
            ended_at=ended_at,
            latency_s=time.monotonic() - t0,
            cut=cut,
            early=used_early,
            silence_ms=silence_ms,
            error=error,
            decided_at=t0,
        )
        if previous is not None:
            await asyncio.wait({previous})  # turns are delivered in the order they were spoken
        self.turns.put_nowait(turn)
        log.info(
            "caller turn",
            extra={
                "backend": transcript.backend,
                "model": transcript.model,
                "speech_s": round(ended_at - started_at, 2),
                "silence_ms": silence_ms,
                "latency_ms": round(turn.latency_s * 1000),
                "early": used_early,
                "words": len(transcript.text.split()),
                "cut": cut,
            },
        )
        log.debug("caller said", extra={"text": transcript.text})

    async def close(self) -> None:
        """Drop an open turn and any recognition still running."""
        self._drop_early()
        if self._stream is not None:
            stream, self._stream = self._stream, None
            await stream.cancel()
        self._finishing = None
        tasks = list(self._unfinished)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)


def _consume(future: asyncio.Future[Transcript]) -> None:
    """Read a discarded early transcript's outcome so asyncio does not warn about it."""
    if not future.cancelled():
        future.exception()
