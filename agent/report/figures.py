"""A period's figures from rufbereit's own records: the guide's list (calls answered, of
them after hours, resolved by the assistant, handed over, appointments, leads, orders,
emergencies and how fast they were acknowledged, call-backs still open) and the
estimated revenue from the leads, with the owner's assumptions."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from agent.profile import Economics
from agent.storage.database import Connection

# calls.outcome -> the report's words for it (agent/telephony/call.py CallOutcome)
OUTCOMES = ("resolved", "handed_over", "callback", "caller_hung_up", "fallback")
_OUTCOME_OF = {
    "completed": "resolved",
    "handover": "handed_over",
    "taken_over": "handed_over",  # the office listened and took the call
    "callback": "callback",
    "caller_hangup": "caller_hung_up",
    "fallback": "fallback",
    "failed": "fallback",
}


class ReportFigures(BaseModel):
    since: date
    until: date  # inclusive
    calls_answered: int
    after_hours: int
    by_outcome: dict[str, int]  # OUTCOMES -> calls
    per_hour: list[dict[str, int]]  # 24 hours: outcome -> calls
    appointments_booked: int
    leads: int
    orders: int
    messages: int
    callbacks_requested: int
    callbacks_open: int  # all call-backs still open at the end of the period
    emergencies: int
    emergencies_acknowledged: int
    ack_seconds_median: float | None
    ack_seconds_max: float | None
    privacy_requests: int
    ratings: int = 0  # callers who rated the call with a key (business.caller_rating)
    rating_average: float | None = None
    assumptions: Economics | None = None
    estimated_revenue: float | None = None  # leads x close rate x average order value

    @property
    def resolved(self) -> int:
        return self.by_outcome.get("resolved", 0)

    @property
    def handed_over(self) -> int:
        return self.by_outcome.get("handed_over", 0)


def period_bounds(since: date, until: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """From the start of ``since`` to the end of ``until`` (inclusive), local days."""
    first = datetime.combine(since, time(), tz)
    return first, datetime.combine(until + timedelta(days=1), time(), tz)


async def _one(conn: Connection, sql: str, *args: Any) -> Any:
    row = await (await conn.execute(sql, args)).fetchone()
    return row[0] if row else None


async def _count(
    conn: Connection, table: str, window: tuple[datetime, datetime], where: str = "TRUE"
) -> int:
    """Rows of ``table`` created in the window (table and condition are ours, not input)."""
    sql = f"SELECT count(*) FROM {table} WHERE created_at >= %s AND created_at < %s AND {where}"
    return int(await _one(conn, sql, *window) or 0)


async def count_period(
    conn: Connection,
    since: date,
    until: date,
    *,
    tz: ZoneInfo,
    is_open: Callable[[datetime], bool],
    economics: Economics | None,
) -> ReportFigures:
    start, end = period_bounds(since, until, tz)
    calls = await (
        await conn.execute(
            "SELECT started_at, outcome FROM calls WHERE started_at >= %s AND started_at < %s"
            " AND answered_at IS NOT NULL",
            (start, end),
        )
    ).fetchall()
    by_outcome: Counter[str] = Counter()
    per_hour = [dict.fromkeys(OUTCOMES, 0) for _ in range(24)]
    after = 0
    for started_at, outcome in calls:
        what = _OUTCOME_OF.get(outcome or "", "caller_hung_up")
        by_outcome[what] += 1
        per_hour[started_at.astimezone(tz).hour][what] += 1
        after += 0 if is_open(started_at) else 1
    window = (start, end)
    booked = await _count(conn, "appointments", window, "status = 'booked'")
    leads = await _count(conn, "leads", window)
    orders = await _count(conn, "orders", window)
    messages = await _count(conn, "messages", window, "kind = 'message'")
    callbacks = await _count(conn, "messages", window, "kind = 'callback'")
    callbacks_open = await _one(
        conn,
        "SELECT count(*) FROM messages WHERE kind = 'callback' AND status = 'open'"
        " AND created_at < %s",
        end,
    )
    privacy = await _count(conn, "privacy_requests", window)
    emergencies = await _count(conn, "escalation_requests", window)
    acks = [
        float(r[0])
        for r in await (
            await conn.execute(
                "SELECT EXTRACT(EPOCH FROM min(coalesce(a.answered_at, a.ended_at)) - e.created_at)"
                " FROM escalations e JOIN escalation_attempts a ON a.escalation_id = e.id"
                " WHERE a.outcome = 'acknowledged' AND e.created_at >= %s AND e.created_at < %s"
                " GROUP BY e.id, e.created_at",
                window,
            )
        ).fetchall()
        if r[0] is not None
    ]
    rated = await (
        await conn.execute(
            "SELECT count(*), avg((e.data->>'rating')::numeric) FROM call_events e"
            " JOIN calls c ON c.id = e.call_id WHERE e.kind = 'caller_rating'"
            " AND c.started_at >= %s AND c.started_at < %s",
            window,
        )
    ).fetchone()
    revenue = None
    if economics is not None:
        revenue = round(leads * economics.close_rate * economics.average_order_value, 2)
    return ReportFigures(
        since=since,
        until=until,
        calls_answered=len(calls),
        after_hours=after,
        by_outcome={o: by_outcome.get(o, 0) for o in OUTCOMES},
        per_hour=per_hour,
        appointments_booked=booked or 0,
        leads=leads or 0,
        orders=orders or 0,
        messages=messages or 0,
        callbacks_requested=callbacks or 0,
        callbacks_open=callbacks_open or 0,
        emergencies=emergencies or 0,
        emergencies_acknowledged=len(acks),
        ack_seconds_median=round(statistics.median(acks), 1) if acks else None,
        ack_seconds_max=round(max(acks), 1) if acks else None,
        privacy_requests=privacy or 0,
        ratings=int(rated[0]) if rated else 0,
        rating_average=round(float(rated[1]), 2) if rated and rated[1] is not None else None,
        assumptions=economics,
        estimated_revenue=revenue,
    )
