"""VAD on real speech (espeak-ng), silence and noise."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from agent.speech.audio import dbfs, resample, silence
from agent.speech.espeak import EspeakTts
from agent.speech.vad import SpeechEnded, SpeechStarted, VadEvent, VoiceActivityDetector

FRAME = 640
TOLERANCE_S = 0.1  # five frames


@pytest.fixture(scope="module")
def speech() -> bytes:
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is missing: apt-get install espeak-ng")
    text = "please book an appointment for tuesday at ten"
    pcm = asyncio.run(EspeakTts().synthesize(text, "en"))
    start, end = _onset_offset(pcm)  # espeak-ng pads with ~0.4 s of silence: trim it
    return pcm[int(start * 32000) : int(end * 32000)]


def _onset_offset(pcm: bytes, rate: int = 16000) -> tuple[float, float]:
    """First and last 20 ms frame louder than -45 dBFS (the truth to compare with)."""
    n = rate * 2 // 50
    loud = [i for i in range(0, len(pcm) - n + 1, n) if dbfs(pcm[i : i + n]) > -45]
    return loud[0] / (2 * rate), (loud[-1] + n) / (2 * rate)


def _run(vad: VoiceActivityDetector, pcm: bytes, chunk: int) -> list[tuple[VadEvent, float]]:
    out = []
    for i in range(0, len(pcm), chunk):
        out += [(e, vad.position_s) for e in vad.process(pcm[i : i + chunk])]
    return out


def _noise(seconds: float, level: float, seed: int = 7) -> bytes:
    x = np.random.default_rng(seed).normal(0, level, int(16000 * seconds))
    return np.clip(x, -32768, 32767).astype("<i2").tobytes()


def test_speech_start_and_end_are_found_within_tolerance(speech: bytes) -> None:
    audio = silence(600) + speech + silence(1200)
    onset, offset = _onset_offset(audio)
    vad = VoiceActivityDetector(speech_start_ms=80, end_of_turn_ms=400)
    events = _run(vad, audio, FRAME)
    kinds = [type(e) for e, _ in events]
    assert kinds == [SpeechStarted, SpeechEnded]
    (start, start_seen), (end, end_seen) = events
    assert isinstance(start, SpeechStarted) and isinstance(end, SpeechEnded)
    assert abs(start.at_s - onset) <= TOLERANCE_S
    assert abs(end.at_s - offset) <= TOLERANCE_S
    assert end.duration_s == pytest.approx(end.at_s - start.at_s)
    # Reported after exactly the configured start run and end-of-turn silence.
    assert start_seen - start.at_s == pytest.approx(0.08, abs=0.021)
    assert end_seen - end.at_s == pytest.approx(0.40, abs=0.021)


def test_end_of_turn_silence_is_configurable(speech: bytes) -> None:
    audio = silence(400) + speech + silence(1500)
    for ms in (200, 700):
        events = _run(VoiceActivityDetector(end_of_turn_ms=ms), audio, FRAME)
        end, seen = events[-1]
        assert isinstance(end, SpeechEnded)
        assert seen - end.at_s == pytest.approx(ms / 1000, abs=0.021)


def test_a_short_pause_does_not_end_the_turn(speech: bytes) -> None:
    audio = silence(400) + speech + silence(250) + speech + silence(800)
    events = _run(VoiceActivityDetector(end_of_turn_ms=400), audio, FRAME)
    assert [type(e) for e, _ in events] == [SpeechStarted, SpeechEnded]


@pytest.mark.parametrize("chunk", [7, 333, 1001, 4096])
def test_odd_chunk_sizes_give_the_same_events(speech: bytes, chunk: int) -> None:
    audio = silence(500) + speech + silence(800)
    reference = [e for e, _ in _run(VoiceActivityDetector(), audio, FRAME)]
    assert [e for e, _ in _run(VoiceActivityDetector(), audio, chunk)] == reference


def test_8khz_audio(speech: bytes) -> None:
    audio = resample(silence(500) + speech + silence(800), 16000, 8000)
    onset, offset = _onset_offset(audio, 8000)
    events = _run(VoiceActivityDetector(sample_rate=8000), audio, 320)
    assert [type(e) for e, _ in events] == [SpeechStarted, SpeechEnded]
    assert abs(events[0][0].at_s - onset) <= TOLERANCE_S
    assert abs(events[1][0].at_s - offset) <= TOLERANCE_S


@pytest.mark.parametrize("level", [30, 300, 1000, 3000])
@pytest.mark.parametrize("aggressiveness", [1, 2, 3])
def test_noise_or_silence_alone_does_not_trigger(level: int, aggressiveness: int) -> None:
    vad = VoiceActivityDetector(aggressiveness=aggressiveness)
    assert _run(vad, silence(2000), FRAME) == []
    assert _run(VoiceActivityDetector(aggressiveness=aggressiveness), _noise(5, level), 999) == []


def test_noise_that_starts_later_ends_its_turn_and_is_learnt() -> None:
    vad = VoiceActivityDetector()
    events = _run(vad, silence(1000) + _noise(6, 1000), FRAME)
    # The onset may look like speech, but the floor follows steady noise within the window.
    assert len(events) <= 2
    if events:
        assert isinstance(events[-1][0], SpeechEnded)
        assert events[-1][1] < 1.0 + 1.5 + 0.4 + 0.1


def test_speech_in_steady_noise_is_found(speech: bytes) -> None:
    clean = silence(500) + speech + silence(1000)
    x = np.frombuffer(clean, dtype="<i2") + np.frombuffer(_noise(len(clean) / 32000, 300), "<i2")
    events = _run(VoiceActivityDetector(), x.astype("<i2").tobytes(), FRAME)
    assert [type(e) for e, _ in events] == [SpeechStarted, SpeechEnded]


def test_bad_input_never_raises() -> None:
    vad = VoiceActivityDetector()
    assert vad.process(b"") == []
    assert vad.process(b"\x01") == []  # an odd byte waits for its partner
    assert vad.process(bytes(range(256)) * 20) == []
    vad.reset()
    assert vad.position_s == 0.0


def test_invalid_settings_are_rejected() -> None:
    with pytest.raises(ValueError):
        VoiceActivityDetector(aggressiveness=4)
    with pytest.raises(ValueError):
        VoiceActivityDetector(sample_rate=11025)
    with pytest.raises(ValueError):
        VoiceActivityDetector(end_of_turn_ms=10)


def test_measure_vad_cost_and_end_of_turn_delay(speech: bytes) -> None:
    """Numbers for the benchmark (bench/stt_rtf.json, "vad"); nothing asserted about speed."""
    audio = silence(500) + speech + silence(1000)
    vad = VoiceActivityDetector()
    t0 = time.perf_counter()
    events = _run(vad, audio, FRAME)
    cpu = time.perf_counter() - t0
    end, seen = events[-1]
    assert isinstance(end, SpeechEnded)
    bench = Path(__file__).resolve().parents[2] / "bench" / "stt_rtf.json"
    data = json.loads(bench.read_text()) if bench.is_file() else {}
    data["vad"] = {
        "backend": "webrtcvad",
        "end_of_turn_ms": 400,
        "end_of_turn_delay_s": round(seen - end.at_s, 3),
        "speech_start_delay_s": round(events[0][1] - events[0][0].at_s, 3),
        "us_per_frame": round(cpu / (len(audio) / FRAME) * 1e6, 1),
        "rtf": round(cpu / (len(audio) / 32000), 5),
    }
    bench.parent.mkdir(exist_ok=True)
    bench.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
