"""Semantic end of turn: has the caller finished speaking? (smart-turn v3.2)

smart-turn v3.2 (pipecat-ai, BSD-2-Clause) is a Whisper-tiny encoder with a
classifier, int8, 8.7 MB, trained on 23 languages including German. It hears
the last 8 s of a turn (16 kHz) and gives P(complete): the caller's intonation,
a trailing "ähm", a sentence that stops after "am". The turn listener asks it
after a short silence (see :mod:`agent.speech.turns` and ``docs/speech.md``).

The input is what pipecat's ``LocalSmartTurnAnalyzerV3`` gives it: the turn's
audio at 16 kHz as float in [-1, 1), its last 8 s (shorter turns padded with
zeros at the start), normalised to zero mean and unit variance, then Whisper's
log-mel spectrogram (80 mel bins, 25 ms Hann window, 10 ms hop, the last frame
dropped: 80 x 800), clamped to 8 decades below its peak and scaled as Whisper
does. Input ``input_features`` (batch, 80, 800); output ``logits`` (batch, 1),
already a sigmoid probability.

Where the model comes from: :mod:`agent.speech.smart_turn_install` (``pull`` from
Hugging Face at a customer's, ``lab`` from the ``pipecat-ai`` wheel here). Both install
``<models_dir>/smart-turn-v3.2/smart-turn-v3.2-cpu.onnx``. No
model means no smart-turn: the word rules decide alone (:func:`shared` returns
None). Importing this module is cheap: onnxruntime is imported when a model is
loaded.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import threading
import time
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from agent.speech.audio import SAMPLE_RATE, resample
from agent.speech.settings import SttSettings

log = logging.getLogger(__name__)

NAME = "smart-turn-v3.2"
FILE = "smart-turn-v3.2-cpu.onnx"
SIZE_BYTES = 8_679_182
#: Measured on the file in the pipecat-ai 1.14.0 wheel; Hugging Face's file at the
#: commit below is the same one (same size and sha256, as pinned by other projects).
SHA256 = "2bb026316b14a660486a75b1733cd3fbab8c2fd0314dc9af7be49f8cca967e4f"
HF_COMMIT = "f766f81d3cfdf7737ac64aad813d91bbfd56bf93"
URL = f"https://huggingface.co/pipecat-ai/smart-turn-v3/resolve/{HF_COMMIT}/{FILE}"
WHEEL = "pipecat-ai==1.14.0"
WHEEL_MEMBER = f"pipecat/audio/turn/smart_turn/data/{FILE}"
LICENSE = "BSD-2-Clause (pipecat-ai/smart-turn)"
FIX = "python -m agent.speech.smart_turn_install pull"

WINDOW_S = 8  # the model hears the last 8 s of a turn
_N_SAMPLES = WINDOW_S * SAMPLE_RATE
_N_FFT = 400  # 25 ms
_HOP = 160  # 10 ms
_N_MELS = 80


class SmartTurnError(Exception):
    """The smart-turn model cannot be obtained, verified or loaded."""


# -- features ---------------------------------------------------------------------------


def _slaney_mel(hz: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Hz to mel on the Slaney scale (linear below 1 kHz, logarithmic above)."""
    linear = hz * 3.0 / 200.0
    log_part = 15.0 + np.log(np.maximum(hz, 1e-9) / 1000.0) * 27.0 / np.log(6.4)
    return np.where(hz >= 1000.0, log_part, linear)


def _slaney_hz(mel: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    linear = mel * 200.0 / 3.0
    log_part = 1000.0 * np.exp((mel - 15.0) * np.log(6.4) / 27.0)
    return np.where(mel >= 15.0, log_part, linear)


@cache
def _mel_filters() -> npt.NDArray[np.float64]:
    """Whisper's mel filter bank (librosa's, Slaney-normalised): (80, 201)."""
    fft_hz = np.linspace(0.0, SAMPLE_RATE / 2, _N_FFT // 2 + 1)
    edges = _slaney_hz(np.linspace(0.0, _slaney_mel(np.array([SAMPLE_RATE / 2]))[0], _N_MELS + 2))
    width = np.diff(edges)
    rise = (fft_hz[None, :] - edges[:-2, None]) / width[:-1, None]
    fall = (edges[2:, None] - fft_hz[None, :]) / width[1:, None]
    bank = np.maximum(0.0, np.minimum(rise, fall))
    return bank * (2.0 / (edges[2:] - edges[:-2]))[:, None]


@cache
def _window() -> npt.NDArray[np.float64]:
    return np.hanning(_N_FFT + 1)[:-1]  # periodic Hann, as torch.hann_window


def last_window(audio: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """The last 8 s of ``audio`` (16 kHz float); a shorter turn is padded with zeros
    at the start, as pipecat does."""
    if len(audio) >= _N_SAMPLES:
        return audio[-_N_SAMPLES:]
    return np.concatenate([np.zeros(_N_SAMPLES - len(audio), np.float32), audio])


def features(audio: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Whisper log-mel features of an 8 s window (see the module docstring): (80, 800)."""
    x = last_window(np.asarray(audio, dtype=np.float32))
    x = (x - x.mean()) / np.sqrt(x.var() + 1e-7)
    padded = np.pad(x.astype(np.float64), _N_FFT // 2, mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(padded, _N_FFT)[::_HOP]
    power = np.abs(np.fft.rfft(frames * _window(), axis=-1)) ** 2  # (801, 201)
    mel = _mel_filters() @ power.T  # (80, 801)
    logmel = np.log10(np.maximum(mel, 1e-10))[:, :-1]
    logmel = np.maximum(logmel, logmel.max() - 8.0)
    out: npt.NDArray[np.float32] = ((logmel + 4.0) / 4.0).astype(np.float32)
    return out


def pcm_to_float(pcm16k: bytes) -> npt.NDArray[np.float32]:
    usable = len(pcm16k) - len(pcm16k) % 2
    return np.frombuffer(pcm16k[:usable], dtype="<i2").astype(np.float32) / 32768.0


# -- the model --------------------------------------------------------------------------

_EXECUTOR: concurrent.futures.ThreadPoolExecutor | None = None
_EXECUTOR_LOCK = threading.Lock()


def executor() -> concurrent.futures.ThreadPoolExecutor:
    """The threads smart-turn runs in: its own, so a decision never queues behind a
    recognition (shared by all calls; never the event loop's)."""
    global _EXECUTOR
    with _EXECUTOR_LOCK:
        if _EXECUTOR is None:
            workers = max(1, min(4, os.cpu_count() or 1))
            _EXECUTOR = concurrent.futures.ThreadPoolExecutor(
                max_workers=workers, thread_name_prefix="smart-turn"
            )
        return _EXECUTOR


class SmartTurn:
    """One loaded smart-turn model (an onnxruntime session, one thread per inference),
    shared by all calls: onnxruntime runs one session from several threads at once."""

    def __init__(self, path: Path, *, threads: int = 1) -> None:
        try:
            import onnxruntime as ort  # type: ignore[import-untyped]
        except ImportError:
            raise SmartTurnError("onnxruntime is not installed (pip install onnxruntime)") from None
        t0 = time.perf_counter()
        options = ort.SessionOptions()
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.inter_op_num_threads = 1
        options.intra_op_num_threads = threads
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3  # errors only
        try:
            self._session = ort.InferenceSession(
                str(path), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own types for bad files
            raise SmartTurnError(f"cannot load the smart-turn model {path}: {exc}") from None
        inputs = [i.name for i in self._session.get_inputs()]
        if inputs != ["input_features"]:
            raise SmartTurnError(f"{path} is not a smart-turn v3 model (inputs {inputs})")
        self.path = path
        self.load_s = time.perf_counter() - t0

    def probability(self, pcm: bytes, sample_rate: int = SAMPLE_RATE) -> float:
        """P(the turn is complete) for a turn's slin audio, its last 8 s (blocking;
        thread-safe). Audio at another rate (8 kHz) is resampled to 16 kHz first."""
        if sample_rate != SAMPLE_RATE:
            keep = WINDOW_S * sample_rate * 2 + 64  # the last 8 s are all that count
            pcm = resample(pcm[-keep:], sample_rate, SAMPLE_RATE)
        batch = features(pcm_to_float(pcm))[None, :, :]
        out: Any = self._session.run(None, {"input_features": batch})[0]
        return float(np.asarray(out).reshape(-1)[0])

    async def complete(self, pcm: bytes, sample_rate: int = SAMPLE_RATE) -> float:
        """:meth:`probability` in the smart-turn threads: the event loop never waits."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(executor(), self.probability, pcm, sample_rate)

    def warm_up(self) -> None:
        """One inference on silence: onnxruntime's first run is slower than the rest."""
        self.probability(bytes(2 * SAMPLE_RATE // 10))


class TurnModel(Protocol):
    """What the turn listener needs of a semantic end-of-turn model (tests fake it)."""

    async def complete(self, pcm: bytes, sample_rate: int = SAMPLE_RATE) -> float: ...


# -- one model per process ---------------------------------------------------------------

_SHARED: dict[Path, SmartTurn | None] = {}  # loaded (None: failed to load)
_LOADING: dict[Path, concurrent.futures.Future[SmartTurn | None]] = {}
_SHARED_LOCK = threading.Lock()


def installed_path(models_dir: Path) -> Path:
    """Where ``pull`` and ``lab`` install the model."""
    return models_dir / NAME / FILE


@cache
def _find(configured: Path | None, models_dir: Path) -> Path | None:
    if configured is not None:
        return configured
    path = installed_path(models_dir)
    if path.is_file():
        return path
    log.info(
        "no smart-turn model: the word rules alone decide the end of a turn",
        extra={
            "models_dir": str(models_dir),
            "fix": "python -m agent.speech.smart_turn_install pull",
        },
    )
    return None


def model_path(settings: SttSettings) -> Path | None:
    """The model file the settings name (``smart_turn_model``), else the one installed in
    ``models_dir``, else None. Looked up once per process."""
    return _find(settings.smart_turn_model, settings.models_dir)


def _load(path: Path) -> SmartTurn | None:
    model: SmartTurn | None = None
    try:
        model = SmartTurn(path)
        model.warm_up()
        log.info("smart-turn model loaded", extra={"path": str(path), "load_s": model.load_s})
    except Exception as exc:  # a broken model must never break hearing: the words decide
        log.warning(
            "smart-turn model not usable: the word rules alone decide the end of a turn",
            extra={"path": str(path), "error": str(exc)},
        )
        model = None
    with _SHARED_LOCK:
        _SHARED[path] = model
    return model


def shared(settings: SttSettings) -> SmartTurn | None:
    """The process's model for ``settings``, or None: switched off, not installed, not
    usable, or still loading (the first call starts loading it in the background, so
    this never waits)."""
    if not settings.smart_turn:
        return None
    path = model_path(settings)
    if path is None:
        return None
    with _SHARED_LOCK:
        if path in _SHARED:
            return _SHARED[path]
        if path not in _LOADING:
            _LOADING[path] = executor().submit(_load, path)
    return None


async def open_shared(settings: SttSettings) -> SmartTurn | None:
    """Like :func:`shared`, but waits for the model to load (off the event loop)."""
    if shared(settings) is not None or not settings.smart_turn:
        return shared(settings)
    path = model_path(settings)
    if path is None:
        return None
    with _SHARED_LOCK:
        loading = _LOADING.get(path)
    return await asyncio.wrap_future(loading) if loading is not None else shared(settings)
