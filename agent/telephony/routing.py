"""The routing the dialplan reads: which calls the assistant takes.

The business profile says it (``business.routing``, the office in ``handover.office``,
the opening hours); the dialplan's ``rufbereit-inbound`` context acts on it before the
agent sees a call. So the agent publishes it as dialplan globals over ARI: at start,
after every reconnect and every minute (the open/closed flag follows the opening hours
within a minute; a ``dialplan reload`` that clears globals is repaired within a minute).

Why globals and not the agent deciding per call: the routing must work while the agent
is down or restarting. Every value has a safe meaning when stale or unset: unset mode is
overflow, unset open is open (people first), and a mode that sends calls to a dead agent
ends in the dialplan's fallback to people.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from agent.profile import BusinessProfile
from agent.telephony.ari_rest import AriError, AriRest

log = logging.getLogger(__name__)

INTERVAL_S = 60.0


def routing_globals(profile: BusinessProfile, now: datetime) -> dict[str, str]:
    """The globals ``rufbereit-inbound`` reads, for this moment."""
    return {
        "RUFBEREIT_MODE": profile.routing.mode,
        "RUFBEREIT_OFFICE_DIAL": profile.handover.office,
        "RUFBEREIT_OFFICE_RING": str(profile.routing.office_ring_s),
        "RUFBEREIT_OPEN": "1" if profile.is_open(now) else "0",
    }


class RoutingPublisher:
    """Keeps Asterisk's routing globals equal to the profile's."""

    def __init__(
        self,
        ari: AriRest,
        profile: BusinessProfile,
        now: Callable[[], datetime],
        interval_s: float = INTERVAL_S,
    ) -> None:
        self._ari = ari
        self._profile = profile
        self._now = now
        self._interval_s = interval_s
        self._published: dict[str, str] = {}
        self._task: asyncio.Task[None] | None = None
        self._changed: asyncio.Task[bool] | None = None

    def use_profile(self, profile: BusinessProfile) -> None:
        """Publish the changed opening hours at once (in the background)."""
        self._profile = profile
        if self._task is not None:
            self._changed = asyncio.create_task(self.publish(), name="routing-publish")

    async def publish(self) -> bool:
        """Set every global now; False (logged once per change) when ARI is not there."""
        values = routing_globals(self._profile, self._now())
        try:
            for name, value in values.items():
                await self._ari.set_global_var(name, value)
        except AriError as exc:
            if self._published:
                log.warning("routing not published to Asterisk", extra={"error": str(exc)})
            self._published = {}
            return False
        if values != self._published:
            log.info(
                "routing published",
                extra={"mode": values["RUFBEREIT_MODE"], "open": values["RUFBEREIT_OPEN"]},
            )
        self._published = values
        return True

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="routing-publisher")

    async def close(self) -> None:
        for task in (self._task, self._changed):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        self._task = self._changed = None

    async def _run(self) -> None:
        while True:
            await self.publish()
            await asyncio.sleep(self._interval_s)
