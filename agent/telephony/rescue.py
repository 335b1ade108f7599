"""No caller waits on a dead agent: send every caller left in our Stasis app to people.

When the agent process ends without handing its callers over (SIGKILL, the OOM killer,
a crash, a start that fails), Asterisk keeps their channels in the Stasis app: they hear
silence until something continues them. ``rescue`` is that something. It runs outside
the agent: from the guard process ``rufbereit run`` starts beside itself (it notices the
agent's end at once, however it ends; agent/telephony/guard.py), as ``rufbereit rescue``
from systemd's ``ExecStopPost=``, or by hand.

What it does, with ARI's REST side only (no websocket, no models, a second or less):
- each caller channel of the app is continued in the dialplan after ``Stasis()`` with
  ``RUFBEREIT_RESULT=fallback`` (and the office from the profile when it can be read), so
  the product dialplan rings the fallback, as when the agent hands a caller over;
- first, the app's bridges are destroyed and its media channels and calls to
  technicians or the office hung up (an escalation is stored and resumed by the next
  agent that starts), so that when the last caller leaves, Asterisk drops the app;
  Stasis() on an app whose websocket is gone fails at once either way
  (``STASISSTATUS=FAILED``: new callers go to people);
- the rescued calls' records are closed (outcome ``fallback``, cause ``agent_down``) when
  the database can be reached; a record the agent had not yet written is left to the
  next agent's spool replay.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from agent.telephony.ari_events import Channel
from agent.telephony.ari_rest import AriError, AriHttpError, AriRest

log = logging.getLogger(__name__)

# The names the agent gives what it creates in Asterisk; the call controller uses them
# too (this module stays light: the guard imports it).
RESULT_VAR = "RUFBEREIT_RESULT"
#: calls the agent places itself (technician, office), and the snoop channels an office
#: phone listens to a call through (agent/telephony/listen_in.py)
FOREIGN_PREFIXES = ("rufbereit-oncall-", "rufbereit-handover-", "rufbereit-snoop-")
#: channels the agent creates (media legs and those calls): hung up by the rescue
OWN_CHANNEL_PREFIXES = ("rufbereit-media-", *FOREIGN_PREFIXES)
BRIDGE_PREFIX = "rufbereit-"
REASON = "agent_down"


@dataclass(frozen=True)
class FallbackTarget:
    """Where the profile says people take calls (None: the dialplan's global default)."""

    dial: str | None = None
    timeout_s: int | None = None


@dataclass
class RescueReport:
    callers: list[str] = field(default_factory=list)  # channel ids sent to the fallback
    hung_up: list[str] = field(default_factory=list)
    bridges: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # channel ids that could not be moved
    error: str | None = None  # ARI could not be reached or listed

    @property
    def ok(self) -> bool:
        return self.error is None and not self.failed

    def summary(self) -> str:
        if self.error:
            return f"rescue failed: {self.error}"
        text = (
            f"{len(self.callers)} caller(s) sent to the fallback, {len(self.hung_up)} own "
            f"channel(s) hung up, {len(self.bridges)} bridge(s) removed"
        )
        return text + (f"; could not move {len(self.failed)}" if self.failed else "")


async def rescue(
    ari: AriRest, target: FallbackTarget = FallbackTarget(), *, keep: frozenset[str] = frozenset()
) -> RescueReport:
    """Send every caller in ``ari.app`` to the fallback; ``keep``: channel ids to leave
    alone (a running agent's own calls, when it sweeps what an earlier run left)."""
    report = RescueReport()
    try:
        channels = await _app_channels(ari)
    except AriError as exc:
        report.error = str(exc)
        return report
    callers = [c for c in channels if not c.id.startswith(OWN_CHANNEL_PREFIXES)]
    own = [c for c in channels if c.id.startswith(OWN_CHANNEL_PREFIXES)]
    # The bridges and the agent's own channels go first (a few milliseconds): Asterisk
    # drops an app whose websocket is gone only when its last channel leaves Stasis with
    # nothing else left in it; until then it lists the (inactive) app.
    with contextlib.suppress(AriError):
        for bridge in await ari.list_bridges():
            if bridge.id.startswith(BRIDGE_PREFIX) and not set(bridge.channels) & keep:
                with contextlib.suppress(AriError):
                    await ari.destroy_bridge(bridge.id)
                    report.bridges.append(bridge.id)
    for channel in own:
        if channel.id in keep:
            continue
        with contextlib.suppress(AriError):
            await ari.hangup(channel.id)
            report.hung_up.append(channel.id)
    # then the callers, all at once
    moved = await asyncio.gather(
        *(_to_fallback(ari, c.id, target) for c in callers if c.id not in keep)
    )
    for channel_id, ok in moved:
        (report.callers if ok else report.failed).append(channel_id)
    return report


async def _app_channels(ari: AriRest) -> list[Channel]:
    """The channels in our Stasis app: the app's own list when Asterisk still has the
    app, else every channel whose dialplan is in ``Stasis(<app>, ...)``."""
    channels = await ari.list_channels()
    try:
        ids = set((await ari.application()).channel_ids)
    except AriHttpError as exc:
        if exc.status != 404:
            raise
        ids = set()
    return [c for c in channels if c.id in ids or in_app(c, ari.app)]


def in_app(channel: Channel, app: str) -> bool:
    return (
        channel.dialplan_app_name == "Stasis"
        and (channel.dialplan_app_data or "").split(",")[0] == app
    )


async def _to_fallback(ari: AriRest, channel_id: str, target: FallbackTarget) -> tuple[str, bool]:
    try:
        if target.dial:
            await ari.set_channel_var(channel_id, "RUFBEREIT_FALLBACK_DIAL", target.dial)
        if target.timeout_s:
            await ari.set_channel_var(
                channel_id, "RUFBEREIT_FALLBACK_TIMEOUT", str(target.timeout_s)
            )
        await ari.set_channel_var(channel_id, RESULT_VAR, "fallback")
        await ari.continue_in_dialplan(channel_id)
    except AriHttpError as exc:
        if exc.status == 404:  # the caller hung up meanwhile: nothing to rescue
            return channel_id, True
        log.warning("rescue: could not continue a caller", extra={"status": exc.status})
        return channel_id, False
    except AriError as exc:
        log.warning("rescue: could not continue a caller", extra={"error": str(exc)})
        return channel_id, False
    return channel_id, True


async def close_records(database_url: str, channel_ids: list[str]) -> int:
    """Close the rescued calls' records; how many were closed (0 if the database is
    down: the record stays open, nothing else is lost)."""
    if not channel_ids:
        return 0
    import psycopg

    try:
        async with await psycopg.AsyncConnection.connect(
            database_url, connect_timeout=2, autocommit=True
        ) as conn:
            cur = await conn.execute(
                "UPDATE calls SET ended_at = now(), outcome = 'fallback',"
                " hangup_cause = %s, updated_at = now()"
                " WHERE channel_id = ANY(%s) AND ended_at IS NULL",
                (REASON, channel_ids),
            )
            return cur.rowcount
    except psycopg.Error as exc:
        log.warning("rescue: could not close the call records", extra={"error": str(exc)})
        return 0
