"""`say "Text" -o out.wav`: real engines, real WAV files, run as the standalone module."""

from __future__ import annotations

import argparse
import subprocess
import sys
import wave
from pathlib import Path

import pytest
from pydantic import ValidationError

from agent.speech.espeak import EspeakTts
from agent.speech.say_cli import add_say_command, find_tts_settings, run_say
from agent.speech.tts import CachedTts
from agent.speech.tts_factory import make_tts, tts_settings, with_overrides
from agent.speech.tts_settings import TtsSettings

ROOT = Path(__file__).resolve().parents[2]


def _say(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agent.speech.say_cli", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=90,
    )


def _wav(path: Path) -> tuple[int, int, int, float]:
    with wave.open(str(path)) as w:
        return w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes() / 16000


def test_espeak_german_wav_and_an_honest_report(tmp_path: Path) -> None:
    out = tmp_path / "de.wav"
    run = _say("Ihr Termin: Dienstag, 24.11.2026, um 10:00.", "-o", str(out))
    assert run.returncode == 0, run.stderr
    channels, width, rate, seconds = _wav(out)
    assert (channels, width, rate) == (1, 2, 16000)
    assert 2.0 < seconds < 15.0
    assert "engine: espeak" in run.stdout
    assert "espeak-ng voice de+" in run.stdout
    assert "synthesis:" in run.stdout and "RTF" in run.stdout
    assert "der vierundzwanzigste November, um zehn Uhr" in run.stdout


def test_piper_english_names_the_model_file(tmp_path: Path) -> None:
    out = tmp_path / "en.wav"
    run = _say("Thank you for calling.", "--engine", "piper", "--lang", "en", "-o", str(out))
    assert run.returncode == 0, run.stderr
    assert _wav(out)[2] == 16000
    assert "engine: piper" in run.stdout
    assert "en_US-joe-medium.onnx" in run.stdout
    assert "voice load" in run.stdout


def test_piper_german_without_a_voice_fails_with_the_reason(tmp_path: Path) -> None:
    out = tmp_path / "x.wav"
    run = _say("Guten Tag", "--engine", "piper", "--lang", "de", "-o", str(out))
    assert run.returncode == 1
    assert "German Piper voice" in run.stderr
    assert not out.exists()


def test_voice_override_and_raw_text(tmp_path: Path) -> None:
    out = tmp_path / "raw.wav"
    run = _say("Um 10 Uhr", "--voice", "de+f2", "--raw", "-o", str(out))
    assert run.returncode == 0, run.stderr
    assert "espeak-ng voice de+f2+" in run.stdout
    assert "spoken as" not in run.stdout


def test_wired_into_an_app_parser_with_settings(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser()
    add_say_command(parser.add_subparsers())
    args = parser.parse_args(["say", "Hello", "--lang", "en", "-o", str(tmp_path / "a.wav")])
    assert args.func is run_say

    class Settings:  # the app's Settings carries a tts section
        tts = TtsSettings(voices={"de": "de", "en": "en-gb"})
        language = "de"

    assert find_tts_settings(Settings()).voices["en"] == "en-gb"
    assert run_say(Settings(), args) == 0
    assert (tmp_path / "a.wav").stat().st_size > 10_000


def test_unknown_engine_is_refused() -> None:
    run = _say("x", "--engine", "festival", "-o", "/dev/null")
    assert run.returncode == 2
    assert "invalid choice" in run.stderr


def test_coqui_without_a_model_or_the_package_says_what_to_do(tmp_path: Path) -> None:
    run = _say("Hallo", "--engine", "coqui", "-o", str(tmp_path / "c.wav"))
    assert run.returncode == 1
    assert "coqui_models" in run.stderr
    model = "tts_models/de/thorsten/vits"
    run = _say("Hallo", "--engine", "coqui", "--voice", model, "-o", str(tmp_path / "c.wav"))
    assert run.returncode == 1
    if "not installed" in run.stderr:  # the usual case: Coqui is an optional extra
        assert "pip install 'rufbereit[coqui]'" in run.stderr
    else:  # installed, but the model cannot be downloaded here
        assert "cannot load Coqui model" in run.stderr


def test_tts_settings_are_validated_and_frozen() -> None:
    s = TtsSettings.model_validate({"engine": "piper", "piper_voices": {"de": "/m/de.onnx"}})
    assert s.piper_voices["de"] == Path("/m/de.onnx")
    with pytest.raises(ValidationError, match="engine"):
        TtsSettings.model_validate({"engine": "festival"})
    with pytest.raises(ValidationError, match="extra"):
        TtsSettings.model_validate({"enigne": "piper"})
    with pytest.raises(ValidationError, match=r"not a \.onnx"):
        TtsSettings.model_validate({"piper_voices": {"de": "/m/de.json"}})
    with pytest.raises(ValidationError, match="rate"):
        TtsSettings(rate=3.0)
    with pytest.raises(ValidationError, match="frozen"):
        s.engine = "espeak"  # type: ignore[misc]


def test_factory_and_overrides() -> None:
    tts = make_tts({"voices": {"de": "de+f2"}, "rate": 1.25, "cache_entries": 7})
    assert isinstance(tts, CachedTts) and isinstance(tts.engine, EspeakTts)
    assert tts.max_entries == 7
    assert tts.engine.voice_for("de") == "de+f2+s200+p50+a100"
    piper = with_overrides(tts_settings(None), engine="piper", voice="/v/en.onnx", language="en")
    assert piper.engine == "piper" and piper.piper_voices == {"en": Path("/v/en.onnx")}
    coqui = with_overrides(TtsSettings(engine="coqui"), voice="tts_models/x", language="de-DE")
    assert coqui.coqui_models == {"de": "tts_models/x"}
