"""Read-only queries for the command line (``rufbereit calls``), on their own connection."""

from __future__ import annotations

import uuid

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
