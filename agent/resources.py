"""Where the data files shipped with rufbereit are: in the installed package or the checkout.

Two sets of files are kept at the repository's top level, beside ``agent/``:
``models/nlu`` (the NLU training data: ``<lang>/nlu.yml`` and ``test.yml``, the
Rasa domain and config) and ``models/manifest.yaml`` (the pinned speech model
downloads). A wheel (``pip install .``, the Docker image) carries copies inside
the package, under ``agent/_data/`` with the same relative paths (the build puts
them there: ``_build_data.py``); a source checkout reads the top-level files.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from importlib import resources
from pathlib import Path, PurePosixPath

__all__ = ["CHECKOUT_ROOT", "PACKAGED_DIR", "cache_dir", "data_path"]

#: The folder of the installed package that holds the copies (``agent/_data``).
PACKAGED_DIR = "_data"
#: The top level of a source checkout: the folder that holds ``agent/``.
CHECKOUT_ROOT = Path(__file__).resolve().parents[1]


def data_path(relative: str) -> Path:
    """The data file or folder ``relative`` (e.g. ``"models/nlu"``, ``"models/manifest.yaml"``).

    The installed package's copy when it has one, else the source checkout's file
    (which may not exist: the caller reports what is missing).
    """
    parts = PurePosixPath(relative).parts
    if not parts or PurePosixPath(relative).is_absolute() or ".." in parts:
        raise ValueError(f"not a relative path inside the package data: {relative!r}")
    packaged = resources.files("agent").joinpath(PACKAGED_DIR, *parts)
    if isinstance(packaged, Path) and packaged.exists():
        return packaged
    return CHECKOUT_ROOT.joinpath(*parts)


def cache_dir(kind: str, override: str, env: Mapping[str, str] | None = None) -> Path:
    """Where rufbereit keeps what it builds or unpacks (``kind``: nlu, models, knowledge):
    ``$<override>``, else ``$XDG_CACHE_HOME/rufbereit/<kind>``, else
    ``~/.cache/rufbereit/<kind>``, else (a service user without a home) the temp folder."""
    env = os.environ if env is None else env
    if env.get(override):
        return Path(env[override])
    if env.get("XDG_CACHE_HOME"):
        return Path(env["XDG_CACHE_HOME"]) / "rufbereit" / kind
    try:
        base = Path.home() / ".cache"
    except RuntimeError:  # no home directory
        base = Path(tempfile.gettempdir())
    return base / "rufbereit" / kind
