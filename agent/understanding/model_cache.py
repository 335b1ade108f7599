"""The embedded backend's model cache on disk, keyed by data, code and library versions."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import platform
import tempfile
from collections.abc import Mapping
from pathlib import Path

import joblib  # type: ignore[import-untyped]
import numpy as np
import sklearn  # type: ignore[import-untyped]

from agent.resources import cache_dir
from agent.understanding.intent_model import _HYPER, CODE_VERSION, IntentModel

log = logging.getLogger(__name__)

# --- the disk cache --------------------------------------------------------------------


def default_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$RUFBEREIT_NLU_CACHE``, else ``$XDG_CACHE_HOME/rufbereit/nlu``, else ``~/.cache/...``."""
    return cache_dir("nlu", "RUFBEREIT_NLU_CACHE", env)


@functools.cache
def _code_fingerprint_of_sources() -> str:
    """Hash of the code that shapes a model: this module, the loader, the entity extractors.

    So an upgrade that changes any of them retrains once, without anyone
    remembering to bump :data:`CODE_VERSION`.
    """
    from agent.understanding import embedded, entities, intent_model, training_data

    files = [Path(m.__file__ or "") for m in (embedded, intent_model, training_data)]
    files.append(Path(__file__))
    files += sorted(Path(entities.__file__).parent.glob("*.py"))
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def cache_key(data_hash: str, language: str) -> str:
    parts = {
        "code": CODE_VERSION,
        "data": data_hash,
        "language": language,
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "python": platform.python_version_tuple()[:2],
        "sources": _code_fingerprint_of_sources(),
        "hyper": _HYPER,
    }
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:24]


class ModelCache:
    """``<dir>/<lang>-<key>.joblib``; writes are atomic; the newest few per language are kept."""

    KEEP = 4

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, language: str, key: str) -> Path:
        return self.directory / f"{language}-{key}.joblib"

    def load(self, language: str, key: str) -> IntentModel | None:
        path = self.path(language, key)
        if not path.is_file():
            return None
        try:
            model = joblib.load(path)
        except Exception as exc:  # a truncated or foreign file: retrain over it
            log.warning(
                "cached NLU model unreadable, retraining",
                extra={"path": str(path), "error": repr(exc)},
            )
            return None
        if not isinstance(model, IntentModel) or model.info.cache_key != key:
            log.warning("cached NLU model does not match, retraining", extra={"path": str(path)})
            return None
        return model

    def save(self, model: IntentModel) -> Path | None:
        """Write the model; on a read-only or missing home, log and keep it in memory only."""
        path = self.path(model.info.language, model.info.cache_key)
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".joblib")
            try:
                with os.fdopen(fd, "wb") as f:
                    joblib.dump(model, f)
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError as exc:
            log.warning(
                "cannot write the NLU model cache; the model stays in memory only",
                extra={"path": str(path), "error": str(exc)},
            )
            return None
        self._prune(model.info.language)
        return path

    def _prune(self, language: str) -> None:
        files = sorted(
            self.directory.glob(f"{language}-*.joblib"),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        for old in files[self.KEEP :]:
            with contextlib.suppress(OSError):
                old.unlink()


# --- the backend -----------------------------------------------------------------------
