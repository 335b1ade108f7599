"""Choosing an NLU backend by name: ``embedded`` (default, in-process) or ``rasa``.

The Rasa backend lives in :mod:`agent.understanding.rasa_backend` and is imported
only when asked for, so the embedded backend works without it (and without its
HTTP client).

Where the options come from, first found wins:

* ``settings.nlu`` once the configuration has that section (fields ``backend``,
  ``data_dir``, ``cache_dir``, ``rasa_url``, ``rasa_token``, ``rasa_timeout_s``);
* the environment: ``RUFBEREIT_NLU_BACKEND``, ``RUFBEREIT_NLU_DATA``,
  ``RUFBEREIT_NLU_CACHE``, ``RUFBEREIT_RASA_URL``, ``RUFBEREIT_RASA_TOKEN``;
* the defaults below (training data: ``models/nlu``, packaged with the agent or in the
  source checkout, see :mod:`agent.resources`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from agent.config import Settings
from agent.resources import data_path
from agent.understanding.nlu import NluBackend

__all__ = [
    "BACKENDS",
    "BackendUnavailable",
    "NluOptions",
    "default_data_dir",
    "make_backend",
    "nlu_options",
]

BACKENDS: tuple[str, ...] = ("embedded", "rasa")
DEFAULT_RASA_URL = "http://127.0.0.1:5005"
DEFAULT_RASA_TIMEOUT_S = 2.0


class BackendUnavailable(RuntimeError):
    """The named backend does not exist or cannot be loaded; the message says what to do."""


def default_data_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$RUFBEREIT_NLU_DATA``, else the bundled ``models/nlu``: inside the installed
    package, or at the top level of a source checkout (:func:`agent.resources.data_path`)."""
    env = os.environ if env is None else env
    if env.get("RUFBEREIT_NLU_DATA"):
        return Path(env["RUFBEREIT_NLU_DATA"])
    return data_path("models/nlu")


@dataclass(frozen=True, slots=True)
class NluOptions:
    backend: str
    data_dir: Path
    cache_dir: Path | None
    rasa_url: str
    rasa_token: str | None
    rasa_timeout_s: float


def _secret(value: Any) -> str | None:
    if value is None:
        return None
    getter = getattr(value, "get_secret_value", None)
    return str(getter() if callable(getter) else value) or None


def nlu_options(settings: Settings, env: Mapping[str, str] | None = None) -> NluOptions:
    """The NLU options from ``settings.nlu`` (if the configuration has it) and the environment."""
    env = os.environ if env is None else env
    section = getattr(settings, "nlu", None)

    def pick(attr: str, var: str | None) -> Any:
        value = getattr(section, attr, None) if section is not None else None
        if value is None and var is not None:
            value = env.get(var) or None
        return value

    cache = pick("cache_dir", "RUFBEREIT_NLU_CACHE")
    data = pick("data_dir", None)
    timeout = pick("rasa_timeout_s", None)
    return NluOptions(
        backend=str(pick("backend", "RUFBEREIT_NLU_BACKEND") or "embedded"),
        data_dir=Path(data) if data is not None else default_data_dir(env),
        cache_dir=Path(cache) if cache is not None else None,
        rasa_url=str(pick("rasa_url", "RUFBEREIT_RASA_URL") or DEFAULT_RASA_URL),
        rasa_token=_secret(pick("rasa_token", "RUFBEREIT_RASA_TOKEN")),
        rasa_timeout_s=float(timeout) if timeout is not None else DEFAULT_RASA_TIMEOUT_S,
    )


def make_backend(
    name: str,
    settings: Settings,
    *,
    data_dir: Path | Mapping[str, Path] | None = None,
    cache_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
    is_open: Callable[[datetime], bool] | None = None,
) -> NluBackend:
    """Build the backend called ``name`` for this business (its hours and time zone).

    ``data_dir``/``cache_dir`` override the embedded backend's training data and
    model cache. Raises :class:`BackendUnavailable` for an unknown name or a
    backend that cannot be imported.
    """
    opts = nlu_options(settings, env)
    business = settings.business
    if name == "embedded":
        from agent.understanding.embedded import EmbeddedNlu

        return EmbeddedNlu(
            data_dir if data_dir is not None else opts.data_dir,
            cache_dir=cache_dir or opts.cache_dir,
            business_hours=is_open or business.is_open,
            timezone=business.timezone,
        )
    if name == "rasa":
        try:
            from agent.understanding.rasa_backend import RasaNlu
        except ModuleNotFoundError as exc:
            if exc.name == "agent.understanding.rasa_backend":
                raise BackendUnavailable(
                    "the Rasa NLU backend is not part of this installation "
                    "(agent/understanding/rasa_backend.py is missing); use --backend embedded"
                ) from None
            raise BackendUnavailable(
                f"the Rasa NLU backend needs the Python package {exc.name!r}: "
                f"pip install {exc.name}"
            ) from None
        try:
            backend: NluBackend = RasaNlu(
                opts.rasa_url,
                opts.rasa_token,
                timeout_s=opts.rasa_timeout_s,
                business_hours=is_open or business.is_open,
                timezone=business.timezone,
            )
        except ValueError as exc:
            raise BackendUnavailable(f"Rasa NLU backend: {exc}") from None
        return backend
    raise BackendUnavailable(f"unknown NLU backend {name!r}: choose one of {', '.join(BACKENDS)}")
