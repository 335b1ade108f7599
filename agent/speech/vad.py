"""Streaming voice activity detection (webrtcvad) with hysteresis.

Feed any amount of slin16 audio to :meth:`VoiceActivityDetector.process`; it is
cut into 20 ms frames (odd sizes are rebuffered) and classified. A turn starts
after ``speech_start_ms`` of consecutive speech and ends after
``end_of_turn_ms`` of consecutive non-speech. Times are audio time in seconds
since the detector was created (or last reset). A frame counts as speech only
if webrtcvad says so and it is ``margin_db`` above the noise floor (the quietest
frame of the last ``floor_window_ms``): steady noise present from the start never
starts a turn, and noise that starts later ends its turn once the window has
filled with it.
A frame the classifier cannot
take counts as non-speech: the detector never raises on bad audio.

``gate`` (optional) gets each loud frame's level and may veto it: the turn
listener uses it to ignore the assistant's own voice coming back
(:class:`agent.speech.echo.EchoGate`). A listener that decides the end of a turn
itself (the adaptive end of turn) calls :meth:`end_turn`; ``end_of_turn_ms`` is
then the longest silence a turn can have.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from agent.speech.audio import SAMPLE_WIDTH, dbfs
from agent.speech.stt import SttError

log = logging.getLogger(__name__)

FRAME_MS = 20
SUPPORTED_RATES = (8000, 16000, 32000, 48000)


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    """Speech began at ``at_s`` (the first frame of the run); reported ``speech_start_ms`` later."""

    at_s: float


@dataclass(frozen=True, slots=True)
class SpeechEnded:
    """The turn ended: last speech frame ended at ``at_s``; ``duration_s`` from its start."""

    at_s: float
    duration_s: float


VadEvent = SpeechStarted | SpeechEnded


def _webrtcvad(aggressiveness: int) -> object:
    try:
        import webrtcvad  # type: ignore[import-untyped]
    except ImportError:
        raise SttError(
            "webrtcvad is not installed", hint="pip install 'rufbereit[vosk]' (webrtcvad-wheels)"
        ) from None
    return webrtcvad.Vad(aggressiveness)


class VoiceActivityDetector:
    def __init__(
        self,
        *,
        aggressiveness: int = 2,
        speech_start_ms: int = 80,
        end_of_turn_ms: int = 400,
        sample_rate: int = 16000,
        margin_db: float = 10.0,
        min_dbfs: float = -60.0,
        floor_window_ms: int = 1500,
    ) -> None:
        if not 0 <= aggressiveness <= 3:
            raise ValueError("aggressiveness must be 0..3")
        if sample_rate not in SUPPORTED_RATES:
            raise ValueError(f"sample_rate must be one of {SUPPORTED_RATES}")
        if speech_start_ms < FRAME_MS or end_of_turn_ms < FRAME_MS:
            raise ValueError(f"speech_start_ms and end_of_turn_ms must be >= {FRAME_MS}")
        self.sample_rate = sample_rate
        self.frame_bytes = sample_rate * FRAME_MS // 1000 * SAMPLE_WIDTH
        self.start_frames = -(-speech_start_ms // FRAME_MS)
        self.end_frames = -(-end_of_turn_ms // FRAME_MS)
        self.margin_db = margin_db
        self.min_dbfs = min_dbfs
        self._levels: deque[float] = deque(maxlen=max(1, floor_window_ms // FRAME_MS))
        self._vad = _webrtcvad(aggressiveness)
        self._pending = bytearray()
        self.gate: Callable[[float], bool] | None = None
        self.reset()

    def reset(self) -> None:
        """Forget all state (a new turn or a new call)."""
        self._pending.clear()
        self._frames = 0  # frames classified so far
        self._in_speech = False
        self._speech_run = 0
        self._silence_run = 0
        self._started_frame = 0
        self._last_speech_frame = 0
        self.bad_frames = 0
        self._levels.clear()

    @property
    def in_speech(self) -> bool:
        return self._in_speech

    @property
    def position_s(self) -> float:
        return self._frames * FRAME_MS / 1000

    @property
    def silence_ms(self) -> int:
        """Non-speech since the last speech frame of the current turn (0 outside one)."""
        return self._silence_run * FRAME_MS if self._in_speech else 0

    def end_turn(self) -> SpeechEnded | None:
        """End the current turn now (the caller decided it is over)."""
        if not self._in_speech:
            return None
        self._in_speech = False
        end = self._t(self._last_speech_frame + 1)
        return SpeechEnded(at_s=end, duration_s=end - self._t(self._started_frame))

    def process(self, pcm: bytes) -> list[VadEvent]:
        """Classify whatever complete 20 ms frames ``pcm`` completes; return the events."""
        self._pending += pcm
        events: list[VadEvent] = []
        fb = self.frame_bytes
        while len(self._pending) >= fb:
            frame = bytes(self._pending[:fb])
            del self._pending[:fb]
            event = self._step(self._classify(frame))
            if event is not None:
                events.append(event)
        return events

    def _classify(self, frame: bytes) -> bool:
        """webrtcvad's verdict, gated by energy above the tracked noise floor, so steady
        noise (line hiss, a fan) that webrtcvad takes for speech does not start a turn."""
        level = max(dbfs(frame), -100.0)
        self._levels.append(level)
        floor = min(self._levels)  # minimum statistics: speech has gaps, noise has none
        loud = level >= self.min_dbfs and level >= floor + self.margin_db
        # every frame goes to the gate: the quiet ones teach it the line's echo
        if self.gate is not None and not self.gate(level):
            return False
        return loud and self._is_speech(frame)

    def _is_speech(self, frame: bytes) -> bool:
        try:
            return bool(self._vad.is_speech(frame, self.sample_rate))  # type: ignore[attr-defined]
        except Exception as exc:  # the C extension raises on anything odd
            self.bad_frames += 1
            if self.bad_frames == 1:
                log.warning("VAD could not classify a frame", extra={"error": str(exc)})
            return False

    def _step(self, speech: bool) -> VadEvent | None:
        index = self._frames
        self._frames += 1
        if speech:
            self._speech_run += 1
            self._silence_run = 0
            self._last_speech_frame = index
        else:
            self._silence_run += 1
            self._speech_run = 0
        if not self._in_speech and self._speech_run >= self.start_frames:
            self._in_speech = True
            self._started_frame = index - self._speech_run + 1
            return SpeechStarted(at_s=self._t(self._started_frame))
        if self._in_speech and self._silence_run >= self.end_frames:
            return self.end_turn()
        return None

    @staticmethod
    def _t(frame_index: int) -> float:
        return round(frame_index * FRAME_MS / 1000, 3)
