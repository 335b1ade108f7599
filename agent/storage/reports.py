"""Read-only queries for the command line (``rufbereit calls``), on their own connection."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import SecretStr

from .call_records import (
    SELECT_EVENTS,
    SELECT_RECENT,
    CallEventRow,
    CallRow,
    call_from_row,
    event_from_row,
)
from .database import Database


async def recent_calls(url: str | SecretStr, limit: int = 20) -> list[CallRow]:
    """The newest calls first. Raises :class:`~agent.storage.DatabaseUnavailable`."""
    async with Database(url, min_size=0, max_size=1) as db, db.connection() as conn:
        cur = await conn.execute(SELECT_RECENT, (limit,))
        return [call_from_row(r) for r in await cur.fetchall()]


async def call_events(url: str | SecretStr, call_id: uuid.UUID) -> list[CallEventRow]:
    """A call's events in time order. Raises :class:`~agent.storage.DatabaseUnavailable`."""
    async with Database(url, min_size=0, max_size=1) as db, db.connection() as conn:
        cur = await conn.execute(SELECT_EVENTS, (call_id,))
        return [event_from_row(r) for r in await cur.fetchall()]


# What the assistant left in a period, for ``rufbereit analyse``'s before/after table.
# Each kind is counted by when it was created: [since, until).
SELECT_PERIOD_TOTALS = """
SELECT
  (SELECT count(*) FROM calls WHERE started_at >= %(since)s AND started_at < %(until)s)
    AS assistant_calls,
  (SELECT count(*) FROM calls WHERE started_at >= %(since)s AND started_at < %(until)s
     AND outcome IN ('handover', 'fallback')) AS handovers,
  (SELECT count(*) FROM appointments WHERE created_at >= %(since)s AND created_at < %(until)s
     AND status = 'booked') AS bookings,
  (SELECT count(*) FROM leads WHERE created_at >= %(since)s AND created_at < %(until)s)
    AS leads,
  (SELECT count(*) FROM orders WHERE created_at >= %(since)s AND created_at < %(until)s)
    AS orders,
  (SELECT count(*) FROM messages WHERE created_at >= %(since)s AND created_at < %(until)s)
    AS messages
"""


async def period_totals(url: str | SecretStr, since: datetime, until: datetime) -> dict[str, int]:
    """Counts of the assistant's calls, handovers, bookings, leads, orders and messages
    created from ``since`` to before ``until``.

    Raises :class:`~agent.storage.DatabaseUnavailable`."""
    async with Database(url, min_size=0, max_size=1) as db, db.connection() as conn:
        cur = await conn.execute(SELECT_PERIOD_TOTALS, {"since": since, "until": until})
        row = await cur.fetchone()
        names = [d.name for d in cur.description or ()]
    return {name: int(v) for name, v in zip(names, row or (), strict=False)}
