"""Hearing for one call: caller audio -> VAD + recogniser -> turn events.

:class:`TurnListener` feeds every 20 ms frame to the VAD. When speech starts it
opens a recogniser stream (primed with a little audio from before the detected
start, so the first syllable is not lost) and reports :class:`BargeIn` (the call
loop stops the assistant's audio), then :class:`PartialTranscript` as words come
in. Finished turns arrive on :attr:`TurnListener.turns` as :class:`UserTurn`;
``feed()`` itself never waits for the recogniser, so the caller is heard (and can
barge in) while a turn is being recognised.

When a turn ends (the adaptive end of turn, ``docs/speech.md``): after
``end_of_turn_ms`` of silence it ends as soon as nothing says the caller is still
in the middle of a sentence, and after ``end_of_turn_max_ms`` in any case:

- the words so far (:mod:`agent.speech.endpointing`): a turn ending in "am",
  "und", "äh" or a comma waits for the longer silence;
- the audio (:mod:`agent.speech.smart_turn`, when the model is installed): after
  ``smart_turn_ask_ms`` of silence (a little before ``end_of_turn_ms``, so the
  answer is ready by then) the listener asks smart-turn for P(complete) of the
  turn's last 8 s; below ``smart_turn_threshold`` it waits and asks again every
  ``smart_turn_step_ms`` of further silence. The model runs in its own threads
  while frames keep coming; a model that is missing, still loading or fails leaves
  the decision to the words;
- a streaming recogniser (Vosk) knows the words so far at every moment; one that
  does not (Whisper) starts recognising after ``speculate_ms`` of silence, so the
  transcript is ready when the silence turns out to be the end (the model is asked
  meanwhile). Speech that resumes discards that early result and the model's
  verdict.

Times in events are audio seconds since the listener started.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import Any

from agent.speech import smart_turn
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
    complete_p: float | None = None  # smart-turn's last P(complete) (None: not asked)

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
        turn_model: smart_turn.TurnModel | None = None,
    ) -> None:
        """``turn_model``: a smart-turn model to ask instead of the process's shared one (tests);
        ``settings.smart_turn`` switches either off."""
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
        # the semantic end of turn: the turn's audio, the question in flight, the answer
        self._turn_model = turn_model
        self._audio = bytearray()
        self._audio_max = smart_turn.WINDOW_S * sample_rate * SAMPLE_WIDTH
        self._ask: asyncio.Future[float] | None = None
        self._asked_at = 0  # silence (ms) when the last question was asked
        self._complete_p: float | None = None  # the latest answer in this silence
        self._model_failed = False
        self._model()  # the first call starts loading the shared model (in the background)

    @property
    def in_turn(self) -> bool:
        """The caller is speaking (or pausing inside a turn)."""
        return self._stream is not None

    @property
    def asking(self) -> bool:
        """The smart-turn model is working out whether the turn is complete."""
        return self._ask is not None and not self._ask.done()

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
            self._keep(frame)
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
            self._drop_ask()  # and so is the model's verdict
            return
        early_start = s.speculate_ms and silence >= s.speculate_ms
        stale_running = self._stale is not None and not self._stale.done()  # one at a time
        wanted = not self.recognizer.streaming and self._early is None and not stale_running
        if early_start and wanted:
            self._early = asyncio.ensure_future(stream.preview())
        if silence < min(s.end_of_turn_ms, s.smart_turn_ask_ms):
            return
        if silence < s.end_of_turn_max_ms:
            text = self._words_so_far()  # None: the early transcript is still being made
            if text is not None and looks_unfinished(text, s.language):
                return  # the words need a continuation: wait for the longer silence
            # asked a little before end_of_turn_ms, so its answer is ready by then (and
            # while Whisper works on the early transcript)
            complete = self._model_says_complete(silence)
            if silence < s.end_of_turn_ms or text is None or not complete:
                return
        ended = self.vad.end_turn()
        self._end(ended.at_s if ended else self.vad.position_s)

    def _model(self) -> smart_turn.TurnModel | None:
        if not self.settings.smart_turn:
            return None
        return self._turn_model or smart_turn.shared(self.settings)

    def _model_says_complete(self, silence: int) -> bool:
        """Does the audio sound complete? True without a model (the words decide), and
        when it fails; False while it is being asked. First asked after
        ``smart_turn_ask_ms`` of silence, again every ``smart_turn_step_ms`` while it
        says incomplete."""
        model = self._model()
        if model is None:
            return True
        ask = self._ask
        if ask is not None and ask.done():
            self._ask = None
            try:
                self._complete_p = ask.result()
            except (Exception, asyncio.CancelledError) as exc:  # never lose a turn to the
                self._model_trouble(exc)  # model: the words decide
                return True
        s = self.settings
        if self._complete_p is not None and self._complete_p >= s.smart_turn_threshold:
            return True
        due = self._complete_p is None or silence >= self._asked_at + s.smart_turn_step_ms
        if self._ask is None and due:
            audio = bytes(self._audio[-self._audio_max :])
            try:
                self._ask = asyncio.ensure_future(model.complete(audio, self.sample_rate))
            except Exception as exc:
                self._model_trouble(exc)
                return True
            self._asked_at = silence
        return False

    def _model_trouble(self, exc: BaseException) -> None:
        if not self._model_failed:  # once a call: it will most likely fail again
            self._model_failed = True
            log.warning(
                "smart-turn failed: the word rules decide the end of the turn",
                extra={"error": repr(exc)},
            )

    def _keep(self, frame: bytes) -> None:
        """The turn's audio for the model (its last 8 s)."""
        if not self.settings.smart_turn:
            return
        self._audio += frame
        if len(self._audio) > 2 * self._audio_max:
            del self._audio[: -self._audio_max]

    def _drop_ask(self) -> None:
        ask, self._ask = self._ask, None
        self._complete_p = None
        if ask is not None:
            ask.cancel()  # a question still queued behind others is never computed
            ask.add_done_callback(_consume)

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
        self._audio.clear()
        self._drop_ask()
        if preroll:
            self._stream.accept(bytes(self._preroll))
            self._keep(bytes(self._preroll))
        self._turn_start = at_s
        self._last_partial = ""
        self._early = None

    def _end(self, ended_at: float, *, cut: bool = False) -> None:
        stream, early = self._stream, self._early
        assert stream is not None
        self._stream, self._early = None, None
        silence = 0 if cut else round((self.vad.position_s - ended_at) * 1000)
        complete_p = self._complete_p
        self._drop_ask()
        self._audio.clear()
        previous = self._finishing
        task = asyncio.ensure_future(
            self._complete(
                stream, early, previous, self._turn_start, ended_at, cut, silence, complete_p
            )
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
        complete_p: float | None = None,
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
            complete_p=complete_p,
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
                "complete_p": None if complete_p is None else round(complete_p, 2),
            },
        )
        log.debug("caller said", extra={"text": transcript.text})

    async def close(self) -> None:
        """Drop an open turn and any recognition still running."""
        self._drop_early()
        self._drop_ask()
        if self._stream is not None:
            stream, self._stream = self._stream, None
            await stream.cancel()
        self._finishing = None
        tasks = list(self._unfinished)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)


def _consume(future: asyncio.Future[Any]) -> None:
    """Read a discarded early transcript's (or verdict's) outcome so asyncio does not
    warn about it."""
    if not future.cancelled():
        future.exception()
