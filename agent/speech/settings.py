"""Configuration of hearing: VAD, end of turn, recogniser backend and model paths."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

DEFAULT_MODELS_DIR = Path("/var/lib/rufbereit/models")


class SttSettings(BaseModel):
    """``stt:`` section. Unset model paths fall back to models installed in ``models_dir``
    (``rufbereit models pull de``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    backend: Literal["vosk", "whisper"] = "vosk"
    language: Literal["de", "en"] = "de"
    vosk_model: Path | None = Field(None, description="Vosk model directory")
    whisper_model: Path | None = Field(
        None, description="faster-whisper (CTranslate2) model directory"
    )
    whisper_language: str | None = Field(
        None, description="language for Whisper; None: the stt language (tiny.en: en)"
    )
    whisper_beam_size: int = Field(1, ge=1, le=10)
    whisper_threads: int = Field(2, ge=1, le=64)
    whisper_window_s: float = Field(
        10.0,
        ge=10,
        le=30,
        description="shortest encoder window for a turn (30: faster-whisper's own 30 s path)",
    )
    vad_aggressiveness: int = Field(2, ge=0, le=3, description="webrtcvad mode 0..3")
    speech_start_ms: int = Field(
        60, ge=20, le=1000, description="speech needed to start a turn (and to barge in)"
    )
    end_of_turn_ms: int = Field(
        300, ge=100, le=3000, description="silence that ends a turn whose words sound finished"
    )
    end_of_turn_max_ms: int = Field(
        1000,
        ge=100,
        le=5000,
        description="silence that ends a turn whose words sound unfinished ('am ... äh')",
    )
    speculate_ms: int = Field(
        150,
        ge=0,
        le=3000,
        description="silence after which Whisper starts on the words so far (0: off)",
    )
    smart_turn: bool = Field(
        True,
        description="ask the smart-turn model (when installed) whether a turn whose words "
        "sound finished sounds finished too (off: the word rules alone decide)",
    )
    smart_turn_threshold: float = Field(
        0.5,
        gt=0,
        lt=1,
        description="P(complete) from which the turn ends; below it the listener waits "
        "(up to end_of_turn_max_ms). Higher: fewer cut-offs, slower replies",
    )
    smart_turn_ask_ms: int = Field(
        200,
        ge=20,
        le=3000,
        description="silence after which the model is first asked; its answer counts from "
        "end_of_turn_ms on (asking a little earlier hides its inference time)",
    )
    smart_turn_step_ms: int = Field(
        200,
        ge=20,
        le=5000,
        description="while the model says incomplete, ask it again after this much more silence",
    )
    smart_turn_model: Path | None = Field(
        None,
        description="smart-turn v3 ONNX file; None: the one installed in models_dir "
        "(python -m agent.speech.smart_turn_install pull)",
    )
    echo_gate: bool = Field(
        True,
        description="hold back the assistant's own voice coming back on the line "
        "(off: any sound from the caller's side can barge in)",
    )
    echo_return_loss_db: float = Field(
        15.0,
        ge=0,
        le=60,
        description="until the line's echo is measured: caller audio this much quieter "
        "than the assistant is taken for its echo (smaller: stricter)",
    )
    pre_roll_ms: int = Field(300, ge=0, le=2000, description="audio kept before speech start")
    max_turn_s: float = Field(30.0, gt=0, le=300, description="a longer turn is cut here")
    models_dir: Path = DEFAULT_MODELS_DIR

    @model_validator(mode="after")
    def _turn_ends_in_order(self) -> SttSettings:
        if self.end_of_turn_max_ms < self.end_of_turn_ms:
            raise ValueError(
                f"end_of_turn_max_ms ({self.end_of_turn_max_ms}) must not be shorter than "
                f"end_of_turn_ms ({self.end_of_turn_ms})"
            )
        return self
