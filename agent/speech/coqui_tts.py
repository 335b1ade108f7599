"""Coqui TTS (the maintained ``coqui-tts`` fork): an optional engine for sites that want
its voices.

Install with ``pip install 'rufbereit[coqui]'``: it pulls torch and torchaudio (several
GB; their versions must match each other). A model is named per language in
``tts.coqui_models``, either as a Coqui model name (``tts_models/de/thorsten/vits``,
downloaded by Coqui on first use at the customer's) or as a path to a model file with its
``config.json`` beside it. Each model is loaded once per process; synthesis runs in a
worker thread and is resampled to 16 kHz with soxr.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from agent.speech.audio import SAMPLE_RATE, resample
from agent.speech.tts import TtsError, log_synthesis, nothing_to_say, primary_language

log = logging.getLogger(__name__)

INSTALL_HINT = (
    "install it with: pip install 'rufbereit[coqui]' (the coqui-tts fork; it needs matching "
    "torch and torchaudio wheels, about 5 GB)"
)

_models: dict[str, Any] = {}  # model name or path -> TTS.api.TTS, shared by the process
_model_locks: dict[str, threading.Lock] = {}  # one synthesis at a time per shared model
_base_length_scale: dict[str, float] = {}  # the model's own length_scale (rate 1.0)
_load_lock = threading.Lock()
# Checkpoint names inside a model directory, as Coqui's ModelManager looks for them.
_CHECKPOINT_NAMES = ("model_file.pth", "model_file.pth.tar", "model.pth", "checkpoint.pth")
# Coqui logs the text it speaks ("Input: [...]" at INFO; the whole text again with each
# character missing from the vocabulary at WARNING): caller data, which rufbereit logs
# at DEBUG only.
_TEXT_LOGGERS = ("TTS.utils.synthesizer", "TTS.tts.utils.text.tokenizer")


def _tts_api() -> Any:
    try:
        from TTS import api  # type: ignore[import-not-found, unused-ignore]
    except ImportError as exc:
        raise TtsError(f"Coqui TTS is not installed ({exc}); {INSTALL_HINT}") from None
    for name in _TEXT_LOGGERS:
        if logging.getLogger(name).level == logging.NOTSET:
            logging.getLogger(name).setLevel(logging.ERROR)
    return api


def _checkpoint(path: Path) -> Path:
    """A model file as given, or the checkpoint inside a model directory (Coqui's own
    directory loading only works for XTTS-like models)."""
    if not path.is_dir():
        return path
    for name in _CHECKPOINT_NAMES:
        if (path / name).is_file():
            return path / name
    raise TtsError(f"no Coqui checkpoint ({', '.join(_CHECKPOINT_NAMES)}) in {path}")


def _load_model(model: str) -> Any:
    with _load_lock:
        loaded = _models.get(model)
        if loaded is not None:
            return loaded
        api = _tts_api()
        t0 = time.monotonic()
        path = Path(model).expanduser()
        try:
            if path.exists():
                checkpoint = _checkpoint(path)
                config = checkpoint.parent / "config.json"
                loaded = api.TTS(
                    model_path=str(checkpoint), config_path=str(config), progress_bar=False
                )
            else:
                loaded = api.TTS(model_name=model, progress_bar=False)
        except TtsError:
            raise
        except Exception as exc:  # download or torch errors
            raise TtsError(f"cannot load Coqui model {model}: {exc}") from exc
        ms = round((time.monotonic() - t0) * 1000)
        log.info("Coqui model loaded", extra={"model": model, "ms": ms})
        _models[model] = loaded
        _model_locks[model] = threading.Lock()
        scale = getattr(getattr(loaded.synthesizer, "tts_model", None), "length_scale", None)
        if isinstance(scale, int | float):
            _base_length_scale[model] = float(scale)
        return loaded


class CoquiTts:
    name = "coqui"

    def __init__(
        self,
        *,
        models: Mapping[str, str],
        speaker: str | None = None,
        rate: float = 1.0,
        max_chars: int = 5000,
        max_concurrent: int = 1,
    ) -> None:
        if not 0.5 <= rate <= 2.0:
            raise ValueError("rate must be 0.5..2.0")
        self.models = dict(models)
        self.speaker = speaker
        self.rate = rate
        self.max_chars = max_chars
        self._slots = asyncio.Semaphore(max_concurrent)

    def model_for(self, language: str) -> str:
        model = self.models.get(language) or self.models.get(primary_language(language))
        if model is None:
            raise TtsError(
                f"no Coqui model configured for language {language!r}; set tts.coqui_models"
            )
        return model

    def voice_for(self, language: str) -> str:
        return f"{self.model_for(language)}+{self.speaker or ''}+r{self.rate}"

    def describe(self, language: str) -> str:
        return f"coqui model {self.model_for(language)}"

    def load(self, language: str) -> None:
        _load_model(self.model_for(language))

    async def synthesize(self, text: str, language: str) -> bytes:
        model = self.model_for(language)
        if nothing_to_say(text, self.max_chars):
            return b""
        t0 = time.monotonic()
        async with self._slots:
            pcm = await asyncio.to_thread(self._synthesize_blocking, model, text, language)
        log_synthesis(log, "coqui", language, t0, pcm, text)
        return pcm

    def _synthesize_blocking(self, model: str, text: str, language: str) -> bytes:
        tts = _load_model(model)
        kwargs: dict[str, Any] = {"text": text}
        if self.speaker:
            kwargs["speaker"] = self.speaker
        if getattr(tts, "is_multi_lingual", False):
            kwargs["language"] = primary_language(language)
        base_scale = _base_length_scale.get(model)
        if base_scale is None:
            kwargs["speed"] = self.rate  # XTTS reads speed=; VITS & co. silently ignore it
        try:
            # The model is shared by every CoquiTts in the process; its length_scale
            # (VITS, Glow-TTS, FastPitch...) is set per call, so one call at a time.
            with _model_locks[model]:
                if base_scale is not None:
                    tts.synthesizer.tts_model.length_scale = base_scale / self.rate
                wav = tts.tts(**kwargs)
            rate = int(tts.synthesizer.output_sample_rate)
        except Exception as exc:
            raise TtsError(f"Coqui TTS failed: {exc}") from exc
        audio = np.asarray(wav, dtype=np.float32)
        pcm = (np.clip(audio, -1.0, 1.0) * 32767).astype("<i2").tobytes()
        return resample(pcm, rate, SAMPLE_RATE)
