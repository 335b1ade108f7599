"""Who used the console for what. Every transcript a person opens is recorded (DSGVO:
access to personal data is accountable), so is every item marked done and every change
to the profile. The owner and the admin read it on the console's "Protokoll" page."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from agent.storage.database import Database


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    username: str
    action: str
    call_id: uuid.UUID | None
    subject: str


class Audit:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(
        self, username: str, action: str, *, call_id: uuid.UUID | None = None, subject: str = ""
    ) -> None:
        async with self._db.connection() as conn:
            await conn.execute(
                "INSERT INTO console_audit (username, action, call_id, subject) "
                "VALUES (%s, %s, %s, %s)",
                (username, action, call_id, subject),
            )

    async def recent(self, limit: int = 200) -> list[AuditEntry]:
        async with self._db.connection() as conn:
            cur = await conn.execute(
                "SELECT at, username, action, call_id, subject FROM console_audit "
                "ORDER BY at DESC, id DESC LIMIT %s",
                (limit,),
            )
            return [AuditEntry(*row) for row in await cur.fetchall()]
