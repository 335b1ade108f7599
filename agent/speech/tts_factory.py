"""Build the configured text-to-speech engine, wrapped in the prompt cache."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from agent.speech.tts import CachedTts, TextToSpeech, primary_language
from agent.speech.tts_settings import Engine, TtsSettings

log = logging.getLogger(__name__)


def tts_settings(settings_or_options: TtsSettings | Mapping[str, Any] | None) -> TtsSettings:
    """A TtsSettings from itself, a mapping of its fields, or None (the defaults)."""
    if settings_or_options is None:
        return TtsSettings()
    if isinstance(settings_or_options, TtsSettings):
        return settings_or_options
    return TtsSettings.model_validate(dict(settings_or_options))


def with_overrides(
    settings: TtsSettings,
    *,
    engine: Engine | None = None,
    voice: str | None = None,
    language: str | None = None,
) -> TtsSettings:
    """``settings`` with another engine and/or voice for ``language`` (command-line
    overrides): for espeak a voice name, for piper a .onnx file, for coqui a model."""
    update: dict[str, Any] = {}
    chosen = engine or settings.engine
    if engine is not None:
        update["engine"] = engine
    if voice is not None:
        lang = primary_language(language or "de")
        if chosen == "espeak":
            update["voices"] = {**settings.voices, lang: voice}
        elif chosen == "piper":
            update["piper_voices"] = {**settings.piper_voices, lang: Path(voice)}
        else:
            update["coqui_models"] = {**settings.coqui_models, lang: voice}
    if not update:
        return settings
    return TtsSettings.model_validate({**settings.model_dump(), **update})


def make_engine(settings: TtsSettings) -> TextToSpeech:
    """The bare engine (no cache). Optional engines are imported only when chosen."""
    if settings.engine == "piper":
        from agent.speech.piper_tts import PiperTts

        return PiperTts(voices=settings.piper_voices, rate=settings.rate)
    if settings.engine == "coqui":
        from agent.speech.coqui_tts import CoquiTts

        return CoquiTts(
            models=settings.coqui_models, speaker=settings.coqui_speaker, rate=settings.rate
        )
    from agent.speech.espeak import EspeakTts

    return EspeakTts(voices=settings.voices, rate_wpm=max(80, min(450, round(160 * settings.rate))))


def make_tts(settings_or_options: TtsSettings | Mapping[str, Any] | None = None) -> CachedTts:
    """The configured engine inside a CachedTts, so fixed prompts are synthesised once."""
    settings = tts_settings(settings_or_options)
    return CachedTts(make_engine(settings), max_entries=settings.cache_entries)


async def warm_up(tts: TextToSpeech, languages: Iterable[str]) -> None:
    """Load the voices for ``languages`` now (at start-up, in a worker thread), so the
    first caller does not wait for a model load (Piper: 3-7 s). Raises TtsError."""
    engine = tts.engine if isinstance(tts, CachedTts) else tts
    load = getattr(engine, "load", None)
    if not callable(load):
        return
    for language in languages:
        t0 = time.monotonic()
        await asyncio.to_thread(load, language)
        log.info(
            "voice ready",
            extra={"engine": engine.name, "language": language,
                   "ms": round((time.monotonic() - t0) * 1000)},
        )  # fmt: skip
