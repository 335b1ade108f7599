"""EspeakTts with the real espeak-ng (Debian package). Missing espeak-ng fails, with the hint."""

from __future__ import annotations

import asyncio
import io
import shutil
import time
import wave
from pathlib import Path

import pytest

from agent.speech.audio import dbfs, duration_s
from agent.speech.espeak import EspeakTts
from agent.speech.tts import CachedTts, TtsError

GREETING_DE = (
    "Guten Tag, Sie sind verbunden mit Müller Sanitär in München. Wie kann ich Ihnen heute helfen?"
)


@pytest.fixture
def espeak() -> EspeakTts:
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is not installed: apt-get install espeak-ng")
    return EspeakTts()


async def test_german_greeting_is_speech_of_plausible_length(espeak: EspeakTts) -> None:
    t0 = time.monotonic()
    pcm = await espeak.synthesize(GREETING_DE, "de")
    elapsed = time.monotonic() - t0
    assert len(pcm) % 2 == 0
    seconds = duration_s(pcm)  # at 16 kHz
    # Same length in seconds as espeak-ng's own 22050 Hz output: resampled, not sped up.
    native = await _espeak_native_samples(espeak, GREETING_DE, "de")
    assert len(pcm) // 2 == pytest.approx(native * 16000 / 22050, abs=50)
    # 15 words at 160 words a minute: about 5-6 s; allow a wide margin.
    assert 3.0 < seconds < 12.0, seconds
    assert dbfs(pcm) > -35  # not silence
    assert elapsed < seconds  # faster than real time, by far
    print(f"espeak-ng de: {seconds:.2f} s audio in {elapsed * 1000:.0f} ms")


async def test_english_and_regional_tags(espeak: EspeakTts) -> None:
    pcm = await espeak.synthesize("Hello, how can I help you?", "en-GB")
    assert 0.8 < duration_s(pcm) < 5
    assert dbfs(pcm) > -35


async def test_text_is_never_taken_for_an_option(espeak: EspeakTts, tmp_path: Path) -> None:
    target = tmp_path / "x.wav"
    pcm = await espeak.synthesize(f"--version -w {target}", "en")
    assert duration_s(pcm) > 0.5  # spoken, not obeyed
    assert not _exists(target)


async def _espeak_native_samples(espeak: EspeakTts, text: str, language: str) -> int:
    voice = espeak.voices[language]
    proc = await asyncio.create_subprocess_exec(
        "espeak-ng",
        "--stdout",
        "--stdin",
        "-b",
        "1",
        "-v",
        voice,
        "-s",
        str(espeak.rate_wpm),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await proc.communicate(text.encode())
    with wave.open(io.BytesIO(out)) as w:
        assert w.getframerate() == 22050
        return len(w.readframes(w.getnframes())) // 2


async def test_phoneme_brackets_are_spoken_as_text(espeak: EspeakTts) -> None:
    plain = await espeak.synthesize("Hallo a b Welt", "de")
    bracketed = await espeak.synthesize("Hallo [[a b]] Welt", "de")
    assert bracketed == plain


def _exists(path: Path) -> bool:
    return path.exists()


def _alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


async def test_blank_text_is_no_audio(espeak: EspeakTts) -> None:
    assert await espeak.synthesize("  \n", "de") == b""


async def test_unknown_language(espeak: EspeakTts) -> None:
    with pytest.raises(TtsError, match="no espeak-ng voice"):
        await espeak.synthesize("Bonjour", "fr")


async def test_rate_changes_the_length(espeak: EspeakTts) -> None:
    slow = await EspeakTts(rate_wpm=120).synthesize("Eins zwei drei vier fünf", "de")
    fast = await EspeakTts(rate_wpm=240).synthesize("Eins zwei drei vier fünf", "de")
    assert duration_s(slow) > 1.4 * duration_s(fast)


async def test_settings_are_validated() -> None:
    with pytest.raises(ValueError):
        EspeakTts(pitch=120)
    with pytest.raises(ValueError):
        EspeakTts(rate_wpm=10)


async def test_too_long_text_is_refused(espeak: EspeakTts) -> None:
    with pytest.raises(TtsError, match="max_chars"):
        await EspeakTts(max_chars=10).synthesize("Das ist viel zu lang.", "de")


async def test_missing_espeak_gives_the_install_hint() -> None:
    tts = EspeakTts(executable="/nonexistent/espeak-ng")
    assert not tts.available()
    with pytest.raises(TtsError, match="apt-get install espeak-ng"):
        await tts.synthesize("Hallo", "de")


async def test_timeout_kills_the_process(tmp_path: Path) -> None:
    marker = tmp_path / "pid"
    hang = tmp_path / "hanging-espeak"
    hang.write_text(f"#!/bin/sh\necho $$ > {marker}\nexec sleep 30\n")
    hang.chmod(0o755)
    tts = EspeakTts(executable=str(hang), timeout_s=0.3)
    t0 = time.monotonic()
    with pytest.raises(TtsError, match="longer than"):
        await tts.synthesize("Hallo", "de")
    assert time.monotonic() - t0 < 3
    pid = int(marker.read_text())
    await asyncio.sleep(0.05)
    assert not _alive(pid)


async def test_engine_failure_is_a_tts_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken-espeak"
    broken.write_text("#!/bin/sh\necho 'voice not found' >&2\nexit 1\n")
    broken.chmod(0o755)
    with pytest.raises(TtsError, match="exited with 1: voice not found"):
        await EspeakTts(executable=str(broken)).synthesize("Hallo", "de")
    garbage = tmp_path / "garbage-espeak"
    garbage.write_text("#!/bin/sh\necho 'this is no wav'\n")
    garbage.chmod(0o755)
    with pytest.raises(TtsError, match="no valid WAV"):
        await EspeakTts(executable=str(garbage)).synthesize("Hallo", "de")


async def test_cached_espeak_costs_nothing_the_second_time(espeak: EspeakTts) -> None:
    tts = CachedTts(espeak)
    first = await tts.synthesize(GREETING_DE, "de")
    t0 = time.monotonic()
    second = await tts.synthesize(GREETING_DE, "de")
    assert second == first
    assert time.monotonic() - t0 < 0.01
    assert tts.stats.hits == 1
