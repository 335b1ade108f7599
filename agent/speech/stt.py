"""Speech recognition: the interface every backend implements.

A :class:`SpeechRecognizer` holds a model (loaded once per process, shared by all
calls) and opens one :class:`RecognitionStream` per caller turn. A stream takes
slin16 audio with :meth:`~RecognitionStream.accept` (never blocks the event loop),
offers the words so far with :meth:`~RecognitionStream.partial`, and returns the
:class:`Transcript` from :meth:`~RecognitionStream.finish` as soon as our VAD says
the turn ended. A backend that does not stream (``streaming = False``: Whisper)
recognises the audio so far on request (:meth:`~RecognitionStream.preview`), so
the turn listener can start while the caller is still silent and have the words
ready when the silence turns out to be the end of the turn.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar, runtime_checkable

import numpy as np
import soxr

from agent.speech.audio import SAMPLE_RATE, samples
from agent.speech.settings import SttSettings

T = TypeVar("T")


class SttError(Exception):
    """Recognition is impossible (backend or model missing, model broken); ``hint`` says
    how to fix it."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(f"{message}; {hint}" if hint else message)
        self.hint = hint


@dataclass(frozen=True, slots=True)
class Transcript:
    text: str
    confidence: float  # 0..1; 0 when the backend cannot tell
    duration_s: float  # audio recognised
    model: str  # model name, e.g. "vosk-model-small-de-0.15"
    backend: str  # "vosk" | "whisper"
    processing_s: float = 0.0  # wall time spent recognising (all accept()s and finish())

    @property
    def rtf(self) -> float:
        """Real-time factor: processing time per second of audio."""
        return self.processing_s / self.duration_s if self.duration_s > 0 else 0.0


@runtime_checkable
class RecognitionStream(Protocol):
    """One caller turn. Use from one task; ``accept`` never blocks."""

    def accept(self, pcm: bytes) -> None:
        """Queue slin16 audio at the stream's sample rate (any length)."""
        ...

    def partial(self) -> str:
        """The words recognised so far ("" when the backend does not stream)."""
        ...

    async def preview(self) -> Transcript:
        """The audio accepted so far, recognised; the stream stays open."""
        ...

    async def finish(self) -> Transcript:
        """Force the final result now (our VAD saw the end of the turn)."""
        ...

    async def cancel(self) -> None:
        """Drop the turn and free the recogniser."""
        ...


@runtime_checkable
class SpeechRecognizer(Protocol):
    name: str  # backend
    model_name: str
    streaming: bool  # partials while the caller speaks; finish() costs only the last frames

    def stream(self, sample_rate: int = SAMPLE_RATE) -> RecognitionStream:
        """A new stream for one turn; audio at ``sample_rate`` (8000 or 16000) is
        resampled to the model's rate."""
        ...


class StreamResampler:
    """Chunked soxr resampling to 16 kHz that keeps the filter state across chunks."""

    def __init__(self, from_rate: int, to_rate: int = SAMPLE_RATE) -> None:
        if from_rate <= 0 or to_rate <= 0:
            raise ValueError("sample rates must be positive")
        self.from_rate = from_rate
        self.to_rate = to_rate
        self._odd = b""
        self._stream = (
            None
            if from_rate == to_rate
            else soxr.ResampleStream(from_rate, to_rate, 1, dtype="int16", quality="HQ")
        )

    def process(self, pcm: bytes, last: bool = False) -> bytes:
        data = self._odd + pcm
        cut = len(data) // 2 * 2
        self._odd = data[cut:]
        data = data[:cut]
        if self._stream is None:
            return data
        out = self._stream.resample_chunk(samples(data), last=last)
        return np.asarray(out, dtype="<i2").tobytes()


def check_rate(sample_rate: int) -> None:
    if sample_rate not in (8000, 16000):
        raise ValueError(f"sample_rate must be 8000 or 16000, not {sample_rate}")


_EXECUTOR: ThreadPoolExecutor | None = None
_EXECUTOR_LOCK = threading.Lock()


def stt_executor() -> ThreadPoolExecutor:
    """The threads recognition runs in (shared by all calls, never the event loop's)."""
    global _EXECUTOR
    with _EXECUTOR_LOCK:
        if _EXECUTOR is None:
            workers = max(2, min(8, os.cpu_count() or 2))
            _EXECUTOR = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="stt")
        return _EXECUTOR


async def run_in_stt_thread(fn: Callable[..., T], *args: object) -> T:
    return await asyncio.get_running_loop().run_in_executor(stt_executor(), fn, *args)


async def open_recognizer(
    settings: SttSettings, backend: str | None = None, model_path: Path | None = None
) -> SpeechRecognizer:
    """The configured recogniser (model loaded off the event loop, shared per process).

    Model path: ``model_path``, else the configured one, else one installed for the
    language (``rufbereit models pull``)."""
    from agent.speech.models import ModelError, resolve

    backend = backend or settings.backend
    if backend == "vosk":
        from agent.speech.vosk_stt import PULL_HINT, VoskRecognizer

        try:
            path = resolve(
                "vosk", settings.language, settings.models_dir, model_path or settings.vosk_model
            )
        except ModelError as exc:  # its message already says how to get a model
            raise _with_hint(SttError(str(exc)), PULL_HINT) from None
        return await VoskRecognizer.open(path)
    if backend == "whisper":
        from agent.speech.whisper_stt import MODEL_HINT, WhisperRecognizer

        lang = settings.whisper_language or settings.language
        try:  # off the loop: the lab's packaged model may be joined first (about a second)
            path = await asyncio.to_thread(
                resolve, "whisper", lang, settings.models_dir, model_path or settings.whisper_model
            )
        except ModelError as exc:
            raise _with_hint(SttError(str(exc)), MODEL_HINT) from None
        return await WhisperRecognizer.open(
            path,
            language=lang,
            beam_size=settings.whisper_beam_size,
            threads=settings.whisper_threads,
            window_s=settings.whisper_window_s,
        )
    raise SttError(f"unknown recogniser backend {backend!r}", hint="use vosk or whisper")


def _with_hint(error: SttError, hint: str) -> SttError:
    error.hint = hint
    return error
