"""The business profile as it is now: the owner changes facts, opening hours and the
on-call rota's overrides in the console (or an admin edits the YAML), and the next call
gets them, without a restart.

:class:`LiveProfile` holds the profile the next call gets and tells its subscribers (the
calendar, the routing globals, the escalation service) when it changes. Its watch task
looks at the profile file every ``console.profile_check_s``; a changed file is loaded
with the same check as start-up. A file that does not pass is logged (with the field and
the fix) and the last good profile stays. Only the sections in :data:`LIVE_FIELDS` are
taken over while running; a change elsewhere (the voice, the routing mode, the texts...)
is logged as needing a restart, because those were built into the running parts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from pathlib import Path

from agent.config import ConfigError, load_settings
from agent.profile import BusinessProfile

log = logging.getLogger(__name__)

LIVE_FIELDS = ("facts", "opening_hours", "holidays", "on_call")

Listener = Callable[[BusinessProfile], None]


class LiveProfile:
    def __init__(
        self,
        profile: BusinessProfile,
        path: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self._current = profile
        self._path = path
        self._env = env
        self._listeners: list[Listener] = []
        self._seen = self._stamp()
        self._task: asyncio.Task[None] | None = None

    @property
    def current(self) -> BusinessProfile:
        return self._current

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def replace(self, new: BusinessProfile) -> list[str]:
        """Take over ``new``'s live sections; the names of those that changed."""
        changed = [f for f in LIVE_FIELDS if getattr(new, f) != getattr(self._current, f)]
        if not changed:
            return []
        self._current = self._current.model_copy(update={f: getattr(new, f) for f in changed})
        for listener in self._listeners:
            try:
                listener(self._current)
            except Exception:
                log.exception("a part of the agent could not take the changed profile")
        log.info("profile changed; the next call uses it", extra={"sections": changed})
        return changed

    def check_now(self) -> list[str]:
        """Load the file if it changed since last seen; the live sections that changed."""
        stamp = self._stamp()
        if self._path is None or stamp == self._seen:
            return []
        self._seen = stamp
        try:
            new = load_settings(self._path, self._env).business
        except ConfigError as exc:
            log.warning("changed profile not taken: it does not pass the check; the last good "
                        "one stays", extra={"error": str(exc)})  # fmt: skip
            return []
        others = [
            name
            for name in type(new).model_fields
            if name not in LIVE_FIELDS and getattr(new, name) != getattr(self._current, name)
        ]
        if others:
            log.warning("profile changes that need a restart (rufbereit run)",
                        extra={"sections": others})  # fmt: skip
        return self.replace(new)

    def start(self, interval_s: float) -> None:
        if self._path is not None and self._task is None:
            self._task = asyncio.create_task(self._watch(interval_s), name="profile-watch")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _watch(self, interval_s: float) -> None:
        while True:
            await asyncio.sleep(interval_s)
            try:
                self.check_now()
            except Exception:
                log.exception("profile check failed")

    def _stamp(self) -> tuple[int, int] | None:
        if self._path is None:
            return None
        try:
            st = self._path.stat()
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size
