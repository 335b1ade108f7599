"""Escalations, their attempts and notifications in PostgreSQL (migrations 0004, 0006).

Every state change happens in a transaction that first locks the escalation's row
(``SELECT ... FOR UPDATE``), so two processes (or a retried timer and a resumed one)
can never start two calls for the same emergency: the loser of the lock sees that the
attempt was already claimed and does nothing.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from agent.storage.database import Database

from .model import (
    Attempt,
    Contact,
    EscalationRecord,
    NewEscalation,
    attempt_from_row,
    record_from_row,
)
from .state import FINAL, OPEN, Outcome, State, check_transition

_OPEN_SQL = "(" + ", ".join(f"'{s.value}'" for s in sorted(OPEN)) + ")"


class EscalationStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create_or_join(self, new: NewEscalation, window_s: float) -> tuple[uuid.UUID, bool]:
        """The id of the open (or recently acknowledged, within ``window_s``) escalation
        about the same emergency, joined; or of a new one. The bool is True when it was
        created. One that ended with nobody taking it is never joined: a new call about
        the same emergency rings the rota again."""
        async with self.db.connection() as conn:
            for _ in range(3):
                async with conn.transaction():
                    cur = await conn.execute(
                        f"SELECT id FROM escalations WHERE dedupe_key = %s AND (state IN"
                        f" {_OPEN_SQL} OR (state = '{State.ACKNOWLEDGED.value}'"
                        " AND created_at > now() - make_interval(secs => %s)))"
                        " ORDER BY created_at DESC LIMIT 1 FOR UPDATE",
                        (new.dedupe_key, window_s),
                    )
                    found = await cur.fetchone()
                    if found is not None:
                        await conn.execute(
                            "UPDATE escalations SET joined_calls = joined_calls + 1,"
                            " updated_at = now() WHERE id = %s",
                            (found[0],),
                        )
                        return found[0], False
                    new_id = uuid.uuid4()
                    cur = await conn.execute(
                        "INSERT INTO escalations (id, request_id, call_id, dedupe_key,"
                        " occurred_at, kind, caller_name, caller_number, address, description,"
                        " language, people) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
                        f" %s) ON CONFLICT (dedupe_key) WHERE state IN {_OPEN_SQL}"
                        " DO NOTHING RETURNING id",
                        (
                            new_id,
                            new.request_id,
                            new.call_id,
                            new.dedupe_key,
                            new.emergency.created_at,
                            new.emergency.kind,
                            new.emergency.caller_name,
                            new.emergency.caller_number,
                            new.emergency.address,
                            new.emergency.description,
                            new.language,
                            Jsonb([_contact_json(p) for p in new.people]),
                        ),
                    )
                    if await cur.fetchone() is not None:
                        return new_id, True
                # Lost a race with another insert: loop and join the winner.
        raise RuntimeError("could not create or join an escalation")

    async def get(self, escalation_id: uuid.UUID) -> EscalationRecord | None:
        async with self.db.connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute("SELECT * FROM escalations WHERE id = %s", (escalation_id,))
            row = await cur.fetchone()
        return record_from_row(row) if row else None

    async def recent(self, *, open_only: bool = False, limit: int = 50) -> list[EscalationRecord]:
        where = f"WHERE state IN {_OPEN_SQL}" if open_only else ""
        async with self.db.connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                f"SELECT * FROM escalations {where} ORDER BY created_at DESC LIMIT %s", (limit,)
            )
            return [record_from_row(r) for r in await cur.fetchall()]

    async def attempts(self, escalation_id: uuid.UUID) -> list[Attempt]:
        async with self.db.connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                "SELECT * FROM escalation_attempts WHERE escalation_id = %s ORDER BY attempt_no",
                (escalation_id,),
            )
            return [attempt_from_row(r) for r in await cur.fetchall()]

    async def claim_attempt(
        self, escalation_id: uuid.UUID, attempt_no: int, person: Contact, owner: str
    ) -> bool:
        """Start attempt ``attempt_no`` (state -> calling). False, changing nothing, when
        the escalation is closed, a call is running, or that attempt was already made."""
        async with self.db.connection() as conn, conn.transaction():
            cur = await conn.execute(
                "SELECT state, attempts_made FROM escalations WHERE id = %s FOR UPDATE",
                (escalation_id,),
            )
            row = await cur.fetchone()
            if row is None:
                return False
            state, made = State(row[0]), int(row[1])
            if state in FINAL or state is State.CALLING or made != attempt_no:
                return False
            check_transition(state, State.CALLING)
            await conn.execute(
                "INSERT INTO escalation_attempts (escalation_id, attempt_no, person, phone,"
                " owner) VALUES (%s, %s, %s, %s, %s)",
                (escalation_id, attempt_no, person.name, person.phone, owner),
            )
            await conn.execute(
                "UPDATE escalations SET state = 'calling', attempts_made = %s,"
                " next_attempt_at = NULL, updated_at = now() WHERE id = %s",
                (attempt_no + 1, escalation_id),
            )
        return True

    async def attempt_progress(
        self,
        escalation_id: uuid.UUID,
        attempt_no: int,
        *,
        channel_id: str | None = None,
        answered_at: datetime | None = None,
    ) -> None:
        async with self.db.connection() as conn:
            await conn.execute(
                "UPDATE escalation_attempts SET channel_id = COALESCE(%s, channel_id),"
                " answered_at = COALESCE(%s, answered_at)"
                " WHERE escalation_id = %s AND attempt_no = %s",
                (channel_id, answered_at, escalation_id, attempt_no),
            )

    async def finish_attempt(
        self,
        escalation_id: uuid.UUID,
        attempt_no: int,
        outcome: Outcome,
        detail: str,
        *,
        new_state: State,
        next_attempt_at: datetime | None,
        acknowledged_by: str | None,
    ) -> bool:
        """Close the attempt and move the escalation on. False if it was closed already."""
        async with self.db.connection() as conn, conn.transaction():
            cur = await conn.execute(
                "SELECT state, attempts_made FROM escalations WHERE id = %s FOR UPDATE",
                (escalation_id,),
            )
            row = await cur.fetchone()
            cur = await conn.execute(
                "UPDATE escalation_attempts SET ended_at = now(), outcome = %s, detail = %s"
                " WHERE escalation_id = %s AND attempt_no = %s AND ended_at IS NULL",
                (outcome.value, detail[:500], escalation_id, attempt_no),
            )
            if row is None or cur.rowcount == 0:
                return False
            state = State(row[0])
            if state is not State.CALLING or int(row[1]) != attempt_no + 1:
                return True  # an older attempt closed late: the escalation moved on
            check_transition(state, new_state)
            await conn.execute(
                "UPDATE escalations SET state = %s, next_attempt_at = %s, acknowledged_by ="
                " COALESCE(%s, acknowledged_by), closed_at = CASE WHEN %s THEN now() END,"
                " updated_at = now() WHERE id = %s",
                (
                    new_state.value,
                    next_attempt_at,
                    acknowledged_by,
                    new_state in FINAL,
                    escalation_id,
                ),
            )
        return True

    async def exhaust(self, escalation_id: uuid.UUID) -> bool:
        """A waiting escalation with nobody left to call: exhausted. False if not open."""
        async with self.db.connection() as conn, conn.transaction():
            cur = await conn.execute(
                "UPDATE escalations SET state = 'exhausted', closed_at = now(),"
                " next_attempt_at = NULL, updated_at = now() WHERE id = %s"
                " AND state IN ('created', 'declined', 'no_answer', 'failed')",
                (escalation_id,),
            )
            return cur.rowcount == 1

    async def acknowledged_without_notice(
        self, within_s: float = 86400.0
    ) -> list[EscalationRecord]:
        """Acknowledged lately, but the technician's SMS / e-mail was never recorded."""
        return await self._acknowledged_lately(within_s, "acknowledged")

    async def mark_caller_told(self, escalation_id: uuid.UUID) -> None:
        """The caller heard on the line that the technician took it (no SMS needed)."""
        async with self.db.connection() as conn:
            await conn.execute(
                "UPDATE escalations SET caller_told_at = COALESCE(caller_told_at, now()),"
                " updated_at = now() WHERE id = %s",
                (escalation_id,),
            )

    async def acknowledged_caller_not_told(
        self, within_s: float = 86400.0
    ) -> list[EscalationRecord]:
        """Acknowledged lately, with a caller's number, but the caller was neither told on
        the line nor sent the SMS (the process died in between)."""
        return await self._acknowledged_lately(
            within_s, "caller_acknowledged", "AND caller_told_at IS NULL AND caller_number <> ''"
        )

    async def _acknowledged_lately(
        self, within_s: float, missing: str, also: str = ""
    ) -> list[EscalationRecord]:
        """Acknowledged within ``within_s`` without a ``missing`` notification recorded."""
        async with self.db.connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                "SELECT * FROM escalations e WHERE state = 'acknowledged'"
                f" AND closed_at > now() - make_interval(secs => %s) {also} AND NOT EXISTS"
                " (SELECT 1 FROM escalation_notifications n WHERE n.escalation_id = e.id"
                " AND n.purpose = %s)",
                (within_s, missing),
            )
            return [record_from_row(r) for r in await cur.fetchall()]

    async def unfinished_attempts(self, owner: str) -> list[Attempt]:
        """Attempts still running that belong to another (dead) agent process."""
        async with self.db.connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                "SELECT a.* FROM escalation_attempts a JOIN escalations e"
                " ON e.id = a.escalation_id WHERE a.ended_at IS NULL AND a.owner <> %s"
                f" AND e.state IN {_OPEN_SQL} ORDER BY a.started_at",
                (owner,),
            )
            return [attempt_from_row(r) for r in await cur.fetchall()]


def _contact_json(c: Contact) -> dict[str, str | None]:
    return {"name": c.name, "phone": c.phone, "sms": c.sms, "email": c.email}
