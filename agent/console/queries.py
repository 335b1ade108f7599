"""What the console's pages read from PostgreSQL: calls with their timelines, the work
lists, escalations with their attempts. Plain SQL on the agent's own tables; every list
is bounded."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from agent.report.figures import period_bounds
from agent.storage.database import Connection

LIMIT = 500


@dataclass(frozen=True, slots=True)
class CallLine:
    id: uuid.UUID
    started_at: datetime | None
    caller: str
    duration_s: float | None
    outcome: str | None
    ended: bool
    actions: list[str]
    rating: int | None


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    kind: str
    data: dict[str, Any]

    @property
    def speaker(self) -> str | None:
        return {"caller_said": "caller", "assistant_said": "assistant"}.get(self.kind)


@dataclass(frozen=True, slots=True)
class CallDetail:
    call: dict[str, Any]
    timeline: list[TimelineEntry]


@dataclass(frozen=True, slots=True)
class Attempt:
    attempt_no: int
    person: str
    phone: str
    started_at: datetime
    answered_at: datetime | None
    outcome: str | None
    detail: str


@dataclass(slots=True)
class EscalationLine:
    id: uuid.UUID
    call_id: uuid.UUID | None
    created_at: datetime
    kind: str
    caller_name: str
    caller_number: str
    address: str
    description: str
    state: str
    acknowledged_by: str | None
    closed_at: datetime | None
    attempts: list[Attempt] = field(default_factory=list)


async def calls_of_day(conn: Connection, day: date, tz: ZoneInfo) -> list[CallLine]:
    start, end = period_bounds(day, day, tz)
    cur = await conn.execute(
        "SELECT c.id, c.started_at, coalesce(c.caller_number, ''), c.duration_s, c.outcome, "
        "c.ended_at IS NOT NULL, "
        "coalesce((SELECT array_agg(coalesce(e.data->>'record', e.data->>'type') ORDER BY e.at) "
        "  FROM call_events e "
        "  WHERE e.call_id = c.id AND e.kind = 'action'), '{}'), "
        "(SELECT (e.data->>'rating')::int FROM call_events e "
        "  WHERE e.call_id = c.id AND e.kind = 'caller_rating' ORDER BY e.at DESC LIMIT 1) "
        "FROM calls c WHERE c.started_at >= %s AND c.started_at < %s "
        "ORDER BY c.started_at DESC LIMIT %s",
        (start, end, LIMIT),
    )
    rows = await cur.fetchall()
    return [
        CallLine(
            r[0], r[1], r[2], None if r[3] is None else float(r[3]), r[4], r[5], list(r[6]), r[7]
        )
        for r in rows
    ]


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


async def call_detail(conn: Connection, call_id: uuid.UUID) -> CallDetail | None:
    cur = await conn.execute(
        "SELECT id, caller_number, called_number, language, transport, started_at, "
        "answered_at, ended_at, duration_s, outcome, hangup_cause FROM calls WHERE id = %s",
        (call_id,),
    )
    row = await cur.fetchone()
    if row is None:
        return None
    names = [d.name for d in cur.description or ()]
    call = dict(zip(names, row, strict=True))
    cur = await conn.execute(
        "SELECT at, kind, data FROM call_events WHERE call_id = %s ORDER BY at, id", (call_id,)
    )
    timeline = [TimelineEntry(r[0], r[1], r[2] or {}) for r in await cur.fetchall()]
    return CallDetail(call, timeline)


# -- the work lists -----------------------------------------------------------------------

#: kind -> (table, the columns shown, the status a done item gets, the open condition)
WORK: dict[str, tuple[str, str, str | None, str]] = {
    "leads": (
        "leads",
        "need, location, urgency, budget, name, phone, note, status",
        "done",
        "status = 'new'",
    ),
    "orders": (
        "orders",
        "name, phone, note, status, (SELECT string_agg(quantity || ' × ' || name, ', ' "
        "ORDER BY position) FROM order_lines l WHERE l.order_id = t.id) AS lines",
        "done",
        "status = 'new'",
    ),
    "appointments": (
        "appointments",
        "appointment_type, starts_at, name, phone, note, status",
        None,
        "status = 'booked' AND done_at IS NULL",
    ),
    "messages": (
        "messages",
        "kind, name, phone, text, reason, due, status",
        "done",
        "status = 'open'",
    ),
    "privacy": (
        "privacy_requests",
        "kind, name, phone, text, status",
        "answered",
        "status = 'open'",
    ),
}


@dataclass(frozen=True, slots=True)
class WorkItem:
    id: uuid.UUID
    call_id: uuid.UUID | None
    created_at: datetime
    done_at: datetime | None
    done_by: str | None
    fields: dict[str, Any]

    @property
    def done(self) -> bool:
        return self.done_at is not None


async def work_items(conn: Connection, kind: str, *, only_open: bool) -> list[WorkItem]:
    table, columns, _, open_sql = WORK[kind]
    done_col = "answered_at" if kind == "privacy" else "done_at"
    where = f"WHERE {open_sql}" if only_open else ""
    cur = await conn.execute(
        f"SELECT id, call_id, created_at, {done_col}, done_by, {columns} "
        f"FROM {table} t {where} ORDER BY created_at DESC LIMIT {LIMIT}"
    )
    names = [d.name for d in cur.description or ()][5:]
    return [
        WorkItem(r[0], r[1], r[2], r[3], r[4], dict(zip(names, r[5:], strict=True)))
        for r in await cur.fetchall()
    ]


async def open_counts(conn: Connection) -> dict[str, int]:
    counts: dict[str, int] = {}
    for kind, (table, _, _, open_sql) in WORK.items():
        cur = await conn.execute(f"SELECT count(*) FROM {table} WHERE {open_sql}")
        row = await cur.fetchone()
        counts[kind] = int(row[0]) if row else 0
    return counts


async def mark_done(conn: Connection, kind: str, item_id: uuid.UUID, username: str) -> bool:
    """Mark one item done (by ``username``); False if there is no such open item."""
    table, _, status, open_sql = WORK[kind]
    done_col = "answered_at" if kind == "privacy" else "done_at"
    new_status = f", status = '{status}'" if status else ""
    cur = await conn.execute(
        f"UPDATE {table} SET {done_col} = now(), done_by = %s{new_status} "
        f"WHERE id = %s AND {open_sql}",
        (username, item_id),
    )
    return cur.rowcount == 1


# -- escalations -------------------------------------------------------------------------


async def escalations(conn: Connection, limit: int = 100) -> list[EscalationLine]:
    cur = await conn.execute(
        "SELECT id, call_id, created_at, kind, caller_name, caller_number, address, "
        "description, state, acknowledged_by, closed_at FROM escalations "
        "ORDER BY created_at DESC LIMIT %s",
        (limit,),
    )
    lines = {r[0]: EscalationLine(*r) for r in await cur.fetchall()}
    if lines:
        cur = await conn.execute(
            "SELECT escalation_id, attempt_no, person, phone, started_at, answered_at, "
            "outcome, detail FROM escalation_attempts WHERE escalation_id = ANY(%s) "
            "ORDER BY escalation_id, attempt_no",
            (list(lines),),
        )
        for r in await cur.fetchall():
            lines[r[0]].attempts.append(Attempt(*r[1:]))
    return list(lines.values())
