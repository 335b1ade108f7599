"""`rufbereit say "Text" -o out.wav`: speak a text with the configured (or chosen) voice.

Writes a 16 kHz mono 16-bit WAV and prints which engine, voice and model file made it,
how long synthesis took (voice loading counted separately) and the text as spoken.
Standalone for testing: ``python -m agent.speech.say_cli "Guten Tag" -o /tmp/x.wav``.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import time
import wave
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agent.speech.audio import SAMPLE_RATE, duration_s
from agent.speech.say_de import spoken_form
from agent.speech.tts import TextToSpeech, TtsError, primary_language
from agent.speech.tts_factory import make_engine, with_overrides
from agent.speech.tts_settings import ENGINES, TtsSettings


def add_say_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``say`` to ``subparsers``; its ``func(settings, args) -> int`` takes the app's
    Settings (its ``tts`` section is used when present) or a TtsSettings."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "say", help="speak a text into a 16 kHz WAV file with the configured voice"
    )
    p.add_argument("text", help="what to say")
    p.add_argument("-o", "--output", type=Path, required=True, help="WAV file to write")
    p.add_argument("--engine", choices=ENGINES, help="override the configured engine")
    p.add_argument("--voice", help="espeak voice name, Piper .onnx file or Coqui model for --lang")
    p.add_argument("--lang", default=None, help="language: de or en (default: the business')")
    p.add_argument(
        "--raw", action="store_true", help="do not rewrite numbers, dates and times as words"
    )
    p.set_defaults(func=run_say)
    return p


def find_tts_settings(settings: Any) -> TtsSettings:
    """The app's ``settings.tts`` (or a TtsSettings given directly), else defaults."""
    if isinstance(settings, TtsSettings):
        return settings
    candidate = getattr(settings, "tts", None)
    return candidate if isinstance(candidate, TtsSettings) else TtsSettings()


def _default_language(settings: Any) -> str:
    language = getattr(settings, "language", None)
    return language if isinstance(language, str) else "de"


def describe(tts: TextToSpeech, language: str) -> str:
    """What produced the audio, honestly: engine, voice and model file (or program)."""
    detail = getattr(tts, "describe", None)
    if callable(detail):
        return str(detail(language))
    if tts.name == "espeak":
        voice = tts.voice_for(language) if hasattr(tts, "voice_for") else "?"
        return f"espeak-ng voice {voice} ({_espeak_version()})"
    return tts.name


def _espeak_version() -> str:
    exe = shutil.which("espeak-ng")
    if exe is None:
        return "espeak-ng not installed"
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return exe
    return out.stdout.split(" Data at")[0].strip() or exe


async def _synthesize(tts: TextToSpeech, text: str, language: str) -> tuple[bytes, float, float]:
    """Audio, seconds spent loading the voice, seconds spent synthesising."""
    t0 = time.monotonic()
    load = getattr(tts, "load", None)
    if callable(load):
        await asyncio.to_thread(load, language)
    t1 = time.monotonic()
    pcm = await tts.synthesize(text, language)
    return pcm, t1 - t0, time.monotonic() - t1


def write_wav(path: Path, pcm: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm)


def run_say(settings: Any, args: argparse.Namespace) -> int:
    language = primary_language(args.lang or _default_language(settings))
    try:
        tts_settings = with_overrides(
            find_tts_settings(settings), engine=args.engine, voice=args.voice, language=language
        )
        tts = make_engine(tts_settings)
        text = args.text if args.raw or not tts_settings.normalize else None
        spoken = text if text is not None else spoken_form(args.text, language)
        pcm, load_s, synth_s = asyncio.run(_synthesize(tts, spoken, language))
        what = describe(tts, language)
    except (TtsError, ValueError) as exc:
        print(f"rufbereit say: {exc}", file=sys.stderr)
        return 1
    if not pcm:
        print("rufbereit say: nothing to say (empty text)", file=sys.stderr)
        return 1
    write_wav(args.output, pcm)
    audio_s = duration_s(pcm)
    print(f"wrote {args.output}: {audio_s:.2f} s of audio, 16 kHz mono 16-bit")
    print(f"engine: {tts.name}, language: {language}, {what}")
    print(
        f"synthesis: {synth_s:.3f} s (RTF {synth_s / audio_s:.3f})"
        + (f", voice load {load_s:.2f} s" if load_s >= 0.001 else "")
    )
    if spoken != args.text:
        print(f"spoken as: {spoken}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m agent.speech.say_cli")
    sub = parser.add_subparsers(metavar="COMMAND")
    add_say_command(sub)
    args = parser.parse_args(["say", *(sys.argv[1:] if argv is None else argv)])
    result: int = args.func(TtsSettings(), args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
