"""Time to first audio per engine: a 3-sentence reply, sentence streaming vs the whole
reply at once. Writes bench/tts_latency.json; records numbers, never asserts speed
(the CPU is shared). Missing engines fail with the reason, except Coqui (optional, needs
torch), which is recorded as unavailable."""

from __future__ import annotations

import importlib.util
import json
import platform
import statistics
import time
from pathlib import Path
from typing import Any

import pytest

from agent.speech.audio import duration_s
from agent.speech.piper_tts import PiperTts
from agent.speech.say_cli import describe
from agent.speech.say_de import spoken_form
from agent.speech.sentences import speak_stream, split_sentences
from agent.speech.tts import CachedTts, TextToSpeech
from agent.speech.tts_factory import make_engine
from agent.speech.tts_settings import TtsSettings

#: real recognisers/voices with their models: minutes of CPU in all, not for `make unit`
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
RUNS = 5
REPLIES = {
    "de": (
        "Gerne, ich habe einen Termin für Sie gefunden. Am Dienstag, den 24. November um "
        "10 Uhr kommt ein Techniker zu Ihnen. Bei Fragen erreichen Sie uns unter 089 422317."
    ),
    "en": (
        "Sure, I have found an appointment for you. On Tuesday, 24 November at 10 am a "
        "technician will come to you. If you have questions, call us on 089 422317."
    ),
}


async def _first_audio_streamed(tts: TextToSpeech, text: str, language: str) -> tuple[float, float]:
    """Seconds to the first chunk, and to the last, with speak_stream (no playback wait)."""
    t0 = time.monotonic()
    first = 0.0
    async for _ in speak_stream(tts, text, language):
        first = first or time.monotonic() - t0
    return first, time.monotonic() - t0


async def _whole(tts: TextToSpeech, text: str, language: str) -> tuple[float, bytes]:
    spoken = spoken_form(text, language)
    t0 = time.monotonic()
    pcm = await tts.synthesize(spoken, language)
    return time.monotonic() - t0, pcm


async def _measure(engine: str, tts: TextToSpeech, language: str) -> dict[str, Any]:
    text = REPLIES[language]
    t0 = time.monotonic()
    load = getattr(tts, "load", None)
    if callable(load):
        load(language)
    load_s = time.monotonic() - t0
    await tts.synthesize("Warm-up.", language)
    streamed, streamed_total, whole = [], [], []
    pcm = b""
    for _ in range(RUNS):
        first, total = await _first_audio_streamed(tts, text, language)
        streamed.append(first)
        streamed_total.append(total)
        seconds, pcm = await _whole(tts, text, language)
        whole.append(seconds)
    audio_s = duration_s(pcm)
    assert audio_s > 3.0, f"{engine}: only {audio_s:.2f} s of audio for a 3-sentence reply"
    cached = CachedTts(tts)
    await cached.synthesize("Guten Tag.", language)
    t1 = time.monotonic()
    await cached.synthesize("Guten Tag.", language)
    cache_hit_ms = (time.monotonic() - t1) * 1000
    whole_s = statistics.median(whole)
    return {
        "engine": engine,
        "language": language,
        "voice": describe(tts, language),
        "sentences": len(split_sentences(text)),
        "runs": RUNS,
        "voice_load_s": round(load_s, 3),
        "first_audio_streamed_ms": round(statistics.median(streamed) * 1000, 1),
        "first_audio_whole_reply_ms": round(whole_s * 1000, 1),
        "all_sentences_streamed_ms": round(statistics.median(streamed_total) * 1000, 1),
        "audio_s": round(audio_s, 2),
        "rtf": round(whole_s / audio_s, 4),
        "cached_prompt_ms": round(cache_hit_ms, 3),
    }


async def test_time_to_first_audio_per_engine() -> None:
    results: list[dict[str, Any]] = []
    espeak = make_engine(TtsSettings(engine="espeak"))
    results.append(await _measure("espeak", espeak, "de"))
    results.append(await _measure("espeak", espeak, "en"))
    results.append(await _measure("piper", PiperTts(), "en"))
    unavailable = {}
    if importlib.util.find_spec("TTS") is None:
        unavailable["coqui"] = "not installed (optional extra; needs torch, ~5 GB)"
    else:
        unavailable["coqui"] = "installed, but no Coqui model can be downloaded here"
    report = {
        "what": "TTS time to first audio: 3-sentence reply, speak_stream vs whole reply",
        "machine": f"{platform.machine()}, {platform.python_version()}, shared CPU",
        "results": results,
        "unavailable": unavailable,
    }
    out = ROOT / "bench" / "tts_latency.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for r in results:
        print(
            f"{r['engine']:>6} {r['language']}: first audio {r['first_audio_streamed_ms']} ms "
            f"streamed vs {r['first_audio_whole_reply_ms']} ms whole, RTF {r['rtf']}"
        )
