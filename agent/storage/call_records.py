"""What the call log records, and how each record is written to PostgreSQL.

Four write operations (``CallStarted``, ``CallAnswered``, ``CallEvent``, ``CallEnded``)
and two read rows (``CallRow``, ``CallEventRow``, typed dicts). Every write is idempotent
and order-tolerant, so a spool replay after a crash can repeat any of them safely:

* the call row is upserted by its id (created by whichever operation comes first);
* the start's fields are set by ``CallStarted`` (a replay writes the same values);
* ``answered_at`` and the end's fields keep the first value written (coalesce);
* an event carries an ``event_id`` made by the writer: ``ON CONFLICT DO NOTHING``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, TypedDict, cast

from psycopg.types.json import Jsonb

from .database import Connection

JsonData = dict[str, Any]
OpName = Literal["started", "answered", "event", "ended"]
SPOOL_FORMAT = 1


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(at: datetime) -> datetime:
    """A timezone-aware UTC datetime (a naive one is taken to be UTC)."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def clean_text(value: str | None) -> str | None:
    """PostgreSQL text and jsonb cannot hold NUL characters."""
    return value.replace("\x00", "\ufffd") if value is not None and "\x00" in value else value


def clean_data(data: Any) -> JsonData:
    """``data`` as plain JSON (what jsonb will hold), NUL-free; non-JSON values become str."""
    try:
        text = json.dumps(data if data is not None else {}, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):  # e.g. a circular structure
        return {"unserializable": repr(data)[:2000]}
    value = json.loads(text.replace("\\u0000", "\\ufffd"))
    return value if isinstance(value, dict) else {"value": value}


@dataclass(frozen=True, slots=True)
class CallStarted:
    call_id: uuid.UUID
    channel_id: str | None
    caller_number: str | None
    called_number: str | None
    started_at: datetime
    language: str | None = None
    transport: str | None = None

    op_name: ClassVar[OpName] = "started"


@dataclass(frozen=True, slots=True)
class CallAnswered:
    call_id: uuid.UUID
    at: datetime

    op_name: ClassVar[OpName] = "answered"


@dataclass(frozen=True, slots=True)
class CallEvent:
    call_id: uuid.UUID
    kind: str
    data: JsonData
    at: datetime
    event_id: uuid.UUID = field(default_factory=uuid.uuid4)

    op_name: ClassVar[OpName] = "event"


@dataclass(frozen=True, slots=True)
class CallEnded:
    call_id: uuid.UUID
    at: datetime
    outcome: str | None = None
    cause: str | None = None

    op_name: ClassVar[OpName] = "ended"


CallOp = CallStarted | CallAnswered | CallEvent | CallEnded


def normalize(op: CallOp) -> CallOp:
    """The op as it will be stored: UTC times, NUL-free text, plain-JSON data."""
    match op:
        case CallStarted():
            return CallStarted(
                call_id=op.call_id,
                channel_id=clean_text(op.channel_id),
                caller_number=clean_text(op.caller_number),
                called_number=clean_text(op.called_number),
                started_at=as_utc(op.started_at),
                language=clean_text(op.language),
                transport=clean_text(op.transport),
            )
        case CallAnswered():
            return CallAnswered(op.call_id, as_utc(op.at))
        case CallEvent():
            return CallEvent(
                op.call_id,
                clean_text(op.kind) or "",
                clean_data(op.data),
                as_utc(op.at),
                op.event_id,
            )
        case CallEnded():
            return CallEnded(
                op.call_id, as_utc(op.at), clean_text(op.outcome), clean_text(op.cause)
            )


# -- spool format (one JSON object per op) ----------------------------------------------


def to_json(op: CallOp) -> JsonData:
    out: JsonData = {"v": SPOOL_FORMAT, "op": op.op_name, "call_id": str(op.call_id)}
    match op:
        case CallStarted():
            out |= {
                "channel_id": op.channel_id,
                "caller_number": op.caller_number,
                "called_number": op.called_number,
                "started_at": op.started_at.isoformat(),
                "language": op.language,
                "transport": op.transport,
            }
        case CallAnswered():
            out |= {"at": op.at.isoformat()}
        case CallEvent():
            out |= {
                "event_id": str(op.event_id),
                "kind": op.kind,
                "data": op.data,
                "at": op.at.isoformat(),
            }
        case CallEnded():
            out |= {"at": op.at.isoformat(), "outcome": op.outcome, "cause": op.cause}
    return out


def from_json(obj: JsonData) -> CallOp:
    """The op a spool line holds. Raises ValueError for anything else."""
    try:
        if obj.get("v") != SPOOL_FORMAT:
            raise ValueError(f"unknown spool format {obj.get('v')!r}")
        call_id = uuid.UUID(obj["call_id"])
        kind = obj.get("op")
        if kind == "started":
            return CallStarted(
                call_id=call_id,
                channel_id=obj.get("channel_id"),
                caller_number=obj.get("caller_number"),
                called_number=obj.get("called_number"),
                started_at=datetime.fromisoformat(obj["started_at"]),
                language=obj.get("language"),
                transport=obj.get("transport"),
            )
        if kind == "answered":
            return CallAnswered(call_id, datetime.fromisoformat(obj["at"]))
        if kind == "event":
            data = obj.get("data")
            return CallEvent(
                call_id=call_id,
                kind=str(obj["kind"]),
                data=data if isinstance(data, dict) else {},
                at=datetime.fromisoformat(obj["at"]),
                event_id=uuid.UUID(obj["event_id"]),
            )
        if kind == "ended":
            return CallEnded(
                call_id, datetime.fromisoformat(obj["at"]), obj.get("outcome"), obj.get("cause")
            )
        raise ValueError(f"unknown op {kind!r}")
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"malformed spool record ({type(exc).__name__}: {exc})") from None


# -- SQL ----------------------------------------------------------------------------------

_STARTED = """
INSERT INTO calls AS c (id, channel_id, caller_number, called_number, language, transport,
                        started_at)
VALUES (%s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (id) DO UPDATE SET
    channel_id = EXCLUDED.channel_id, caller_number = EXCLUDED.caller_number,
    called_number = EXCLUDED.called_number, language = EXCLUDED.language,
    transport = EXCLUDED.transport, started_at = EXCLUDED.started_at, updated_at = now()
"""
_ANSWERED = """
INSERT INTO calls AS c (id, answered_at) VALUES (%s, %s)
ON CONFLICT (id) DO UPDATE SET
    answered_at = coalesce(c.answered_at, EXCLUDED.answered_at), updated_at = now()
"""
_ENSURE_CALL = "INSERT INTO calls (id) VALUES (%s) ON CONFLICT (id) DO NOTHING"
_EVENT = """
INSERT INTO call_events (event_id, call_id, at, kind, data) VALUES (%s, %s, %s, %s, %s)
ON CONFLICT (event_id) DO NOTHING
"""
_ENDED = """
INSERT INTO calls AS c (id, ended_at, outcome, hangup_cause) VALUES (%s, %s, %s, %s)
ON CONFLICT (id) DO UPDATE SET
    ended_at = coalesce(c.ended_at, EXCLUDED.ended_at),
    outcome = coalesce(c.outcome, EXCLUDED.outcome),
    hangup_cause = coalesce(c.hangup_cause, EXCLUDED.hangup_cause),
    updated_at = now()
"""


async def apply(conn: Connection, op: CallOp) -> None:
    """Write one op (call inside a transaction; safe to repeat)."""
    match op:
        case CallStarted():
            await conn.execute(
                _STARTED,
                (
                    op.call_id,
                    op.channel_id,
                    op.caller_number,
                    op.called_number,
                    op.language,
                    op.transport,
                    op.started_at,
                ),
            )
        case CallAnswered():
            await conn.execute(_ANSWERED, (op.call_id, op.at))
        case CallEvent():
            await conn.execute(_ENSURE_CALL, (op.call_id,))
            await conn.execute(_EVENT, (op.event_id, op.call_id, op.at, op.kind, Jsonb(op.data)))
        case CallEnded():
            await conn.execute(_ENDED, (op.call_id, op.at, op.outcome, op.cause))


# -- reading -------------------------------------------------------------------------------


class CallRow(TypedDict):
    """A call as stored (a dict, so it prints and serialises as JSON easily)."""

    id: uuid.UUID
    channel_id: str | None
    caller_number: str | None
    called_number: str | None
    language: str | None
    transport: str | None
    started_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    duration_s: float | None
    talk_s: float | None
    outcome: str | None
    hangup_cause: str | None


class CallEventRow(TypedDict):
    """One event of a call as stored."""

    id: int
    event_id: uuid.UUID
    call_id: uuid.UUID
    at: datetime
    kind: str
    data: JsonData


CALL_COLUMNS = (
    "id, channel_id, caller_number, called_number, language, transport, started_at, "
    "answered_at, ended_at, duration_s, talk_s, outcome, hangup_cause"
)
EVENT_COLUMNS = "id, event_id, call_id, at, kind, data"
_CALL_KEYS = [c.strip() for c in CALL_COLUMNS.split(",")]
_EVENT_KEYS = [c.strip() for c in EVENT_COLUMNS.split(",")]


def call_from_row(row: Sequence[Any]) -> CallRow:
    values = dict(zip(_CALL_KEYS, row, strict=True))
    for key in ("duration_s", "talk_s"):  # numeric -> float
        if values[key] is not None:
            values[key] = float(values[key])
    return cast(CallRow, values)


def event_from_row(row: Sequence[Any]) -> CallEventRow:
    return cast(CallEventRow, dict(zip(_EVENT_KEYS, row, strict=True)))


SELECT_CALL = f"SELECT {CALL_COLUMNS} FROM calls WHERE id = %s"
SELECT_RECENT = f"SELECT {CALL_COLUMNS} FROM calls ORDER BY started_at DESC NULLS LAST LIMIT %s"
SELECT_EVENTS = f"SELECT {EVENT_COLUMNS} FROM call_events WHERE call_id = %s ORDER BY at, id"
