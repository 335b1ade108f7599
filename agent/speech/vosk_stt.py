"""Vosk streaming recognition.

The model is loaded once per process per path and shared by all calls; every
stream gets its own ``KaldiRecognizer``, used by one worker thread at a time.
Audio is fed in the background as it arrives, so ``partial()`` is current and
``finish()`` only has to force ``FinalResult`` for the last few frames: our VAD,
not Vosk's slower endpointer, decides when the turn is over.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

from agent.speech.audio import SAMPLE_RATE
from agent.speech.stt import (
    StreamResampler,
    SttError,
    Transcript,
    check_rate,
    run_in_stt_thread,
)

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'rufbereit[vosk]'"
PULL_HINT = "download one with: rufbereit models pull de (or set stt.vosk_model)"

_models: dict[Path, Any] = {}
_load_s: dict[Path, float] = {}  # how long each shared model took to load
_models_lock = threading.Lock()


def _vosk() -> Any:
    try:
        import vosk  # type: ignore[import-untyped]
    except ImportError:
        raise SttError("the vosk package is not installed", hint=INSTALL_HINT) from None
    return vosk


def model_name_for(path: Path) -> str:
    """A model's name: its directory, or the package for models shipped as ``pkg/model``."""
    return path.parent.name if path.name == "model" else path.name


def check_vosk_model(path: Path) -> None:
    if not path.is_dir():
        raise SttError(f"no Vosk model at {path}", hint=PULL_HINT)
    if not ((path / "am").is_dir() or (path / "final.mdl").is_file()):
        raise SttError(f"{path} is not a Vosk model (no am/ directory)", hint=PULL_HINT)


def load_vosk_model(path: Path) -> Any:
    """The shared ``vosk.Model`` for ``path`` (loaded on first use; blocking)."""
    path = path.expanduser().resolve()
    with _models_lock:
        model = _models.get(path)
        if model is not None:
            return model
        check_vosk_model(path)
        vosk = _vosk()
        vosk.SetLogLevel(-1)
        t0 = time.monotonic()
        try:
            model = vosk.Model(str(path))
        except Exception as exc:
            raise SttError(
                f"Vosk could not load the model at {path}: {exc}", hint=PULL_HINT
            ) from None
        load_s = time.monotonic() - t0
        log.info("Vosk model loaded", extra={"model": str(path), "load_s": round(load_s, 2)})
        _models[path] = model
        _load_s[path] = load_s
        return model


class VoskRecognizer:
    name = "vosk"
    streaming = True

    def __init__(self, model_path: Path) -> None:
        """Loads (or reuses) the model: blocking; use :meth:`open` from async code."""
        self.model_path = Path(model_path)
        self.model_name = model_name_for(self.model_path)
        self._model = load_vosk_model(self.model_path)
        # How long the shared model took to load (when this process first needed it).
        self.load_s = _load_s.get(self.model_path.expanduser().resolve(), 0.0)

    @classmethod
    async def open(cls, model_path: Path) -> VoskRecognizer:
        return await asyncio.to_thread(cls, model_path)

    def stream(self, sample_rate: int = SAMPLE_RATE) -> VoskStream:
        check_rate(sample_rate)
        return VoskStream(self, self._model, sample_rate)


class VoskStream:
    def __init__(self, owner: VoskRecognizer, model: Any, sample_rate: int) -> None:
        self._owner = owner
        self._model = model
        self._resampler = StreamResampler(sample_rate)
        self._pending = bytearray()
        self._task: asyncio.Task[None] | None = None
        self._rec: Any = None  # created in the worker thread
        self._segments: list[str] = []
        self._confs: list[float] = []
        self._partial = ""
        self._audio_bytes = 0
        self._busy_s = 0.0
        self._closed = False

    def accept(self, pcm: bytes) -> None:
        if self._closed:
            raise SttError("accept() after finish() or cancel()")
        self._pending += self._resampler.process(pcm)
        if self._task is None or self._task.done():
            if self._task is not None and (
                self._task.cancelled() or self._task.exception() is not None
            ):
                return  # finish() reports the failure
            self._task = asyncio.get_running_loop().create_task(self._drain())

    def partial(self) -> str:
        return self._partial

    async def preview(self) -> Transcript:
        """The partial result: Vosk keeps it current as audio arrives."""
        return self._transcript(self._partial, 0.0)

    def _transcript(self, text: str, confidence: float) -> Transcript:
        return Transcript(
            text=text,
            confidence=round(confidence, 3),
            duration_s=self._audio_bytes / (2 * SAMPLE_RATE),
            model=self._owner.model_name,
            backend="vosk",
            processing_s=self._busy_s,
        )

    async def _drain(self) -> None:
        while self._pending:
            chunk = bytes(self._pending)
            self._pending.clear()
            await run_in_stt_thread(self._feed, chunk)

    def _recognizer(self) -> Any:
        if self._rec is None:
            rec = _vosk().KaldiRecognizer(self._model, SAMPLE_RATE)
            rec.SetWords(True)
            self._rec = rec
        return self._rec

    def _feed(self, chunk: bytes) -> None:  # worker thread
        t0 = time.perf_counter()
        rec = self._recognizer()
        self._audio_bytes += len(chunk)
        if rec.AcceptWaveform(chunk):  # Vosk's own endpoint: keep the segment, go on
            self._take(json.loads(rec.Result()))
            current = ""
        else:
            current = json.loads(rec.PartialResult()).get("partial", "")
        self._partial = " ".join([*self._segments, current]).strip()
        self._busy_s += time.perf_counter() - t0

    def _take(self, result: dict[str, Any]) -> None:
        text = str(result.get("text", "")).strip()
        if text:
            self._segments.append(text)
        self._confs.extend(float(w.get("conf", 0.0)) for w in result.get("result", []))

    def _final(self, tail: bytes) -> None:  # worker thread
        t0 = time.perf_counter()
        rec = self._recognizer()
        if tail:
            self._audio_bytes += len(tail)
            rec.AcceptWaveform(tail)
        self._take(json.loads(rec.FinalResult()))
        self._rec = None
        self._busy_s += time.perf_counter() - t0

    async def finish(self) -> Transcript:
        if self._closed:
            raise SttError("finish() called twice")
        self._closed = True
        try:
            if self._task is not None:
                await self._task
            tail = bytes(self._pending) + self._resampler.process(b"", last=True)
            self._pending.clear()
            await run_in_stt_thread(self._final, tail)
        except SttError:
            raise
        except Exception as exc:
            raise SttError(f"Vosk failed: {exc}") from exc
        text = " ".join(self._segments).strip()
        conf = sum(self._confs) / len(self._confs) if self._confs else 0.0
        t = self._transcript(text, conf)
        log.debug("vosk transcript", extra={"text": text, "rtf": round(t.rtf, 3)})
        return t

    async def cancel(self) -> None:
        self._closed = True
        self._pending.clear()
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._rec = None
