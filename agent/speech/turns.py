"""Hearing for one call: caller audio -> VAD + recogniser -> turn events.

:class:`TurnListener` feeds every frame to the VAD; when speech starts it opens
a recogniser stream (primed with a little audio from before the detected
start, so the first syllable is not lost), emits :class:`BargeIn` (the call loop
stops the assistant's audio), then :class:`PartialTranscript` as words come in,
and :class:`UserTurn` as soon as the VAD has seen ``end_of_turn_ms`` of silence.
Times are audio seconds since the listener started.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass

from agent.speech.audio import SAMPLE_RATE, SAMPLE_WIDTH
from agent.speech.settings import SttSettings
from agent.speech.stt import RecognitionStream, SpeechRecognizer, Transcript, check_rate
from agent.speech.vad import SpeechEnded, SpeechStarted, VoiceActivityDetector

log = logging.getLogger(__name__)


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
    """One finished caller turn. ``text`` may be empty (noise the VAD took for speech)."""

    transcript: Transcript
    started_at: float  # audio seconds
    ended_at: float  # audio seconds: end of the last speech frame
    latency_s: float  # wall time from the end-of-turn decision to the transcript
    cut: bool = False  # ended by max_turn_s, not by silence

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
            end_of_turn_ms=s.end_of_turn_ms,
            sample_rate=sample_rate,
        )
        bytes_per_ms = sample_rate * SAMPLE_WIDTH // 1000
        self._preroll_max = (s.pre_roll_ms + s.speech_start_ms + 40) * bytes_per_ms
        self._preroll = bytearray()
        self._stream: RecognitionStream | None = None
        self._turn_start = 0.0
        self._last_partial = ""

    @property
    def in_turn(self) -> bool:
        return self._stream is not None

    async def events(self, audio: AsyncIterable[bytes]) -> AsyncIterator[HearingEvent]:
        """Turn events for a stream of caller audio; a turn still open when the audio
        ends (the caller hung up) is finished too."""
        try:
            async for pcm in audio:
                for event in await self.feed(pcm):
                    yield event
            if self._stream is not None:
                yield await self._finish(self.vad.position_s, cut=True)
        finally:
            await self.close()

    async def feed(self, pcm: bytes) -> list[HearingEvent]:
        out: list[HearingEvent] = []
        self._preroll += pcm
        if len(self._preroll) > self._preroll_max:
            del self._preroll[: len(self._preroll) - self._preroll_max]
        if self._stream is not None:
            self._stream.accept(pcm)
        for event in self.vad.process(pcm):
            if isinstance(event, SpeechStarted) and self._stream is None:
                self._open(event.at_s)
                out.append(BargeIn(at_s=event.at_s))
            elif isinstance(event, SpeechEnded) and self._stream is not None:
                out.append(await self._finish(event.at_s))
        if self._stream is not None:
            now = self.vad.position_s
            if now - self._turn_start >= self.settings.max_turn_s:
                out.append(await self._finish(now, cut=True))
                self._open(now)  # the caller is still talking: go on in a new turn
            elif self.partials:
                text = self._stream.partial()
                if text and text != self._last_partial:
                    self._last_partial = text
                    out.append(PartialTranscript(text=text, at_s=now))
        return out

    def _open(self, at_s: float) -> None:
        self._stream = self.recognizer.stream(self.sample_rate)
        self._stream.accept(bytes(self._preroll))
        self._turn_start = at_s
        self._last_partial = ""

    async def _finish(self, ended_at: float, *, cut: bool = False) -> UserTurn:
        stream, self._stream = self._stream, None
        assert stream is not None
        t0 = time.monotonic()
        transcript = await stream.finish()
        turn = UserTurn(
            transcript=transcript,
            started_at=self._turn_start,
            ended_at=ended_at,
            latency_s=time.monotonic() - t0,
            cut=cut,
        )
        log.info(
            "caller turn",
            extra={
                "backend": transcript.backend,
                "model": transcript.model,
                "speech_s": round(ended_at - self._turn_start, 2),
                "latency_ms": round(turn.latency_s * 1000),
                "words": len(transcript.text.split()),
                "cut": cut,
            },
        )
        log.debug("caller said", extra={"text": transcript.text})
        return turn

    async def close(self) -> None:
        if self._stream is not None:
            stream, self._stream = self._stream, None
            await stream.cancel()
