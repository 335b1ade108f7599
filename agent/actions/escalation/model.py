"""The escalation's state as the store reads and writes it. What the emergency is (kind,
caller, address, description, when) is the domain's :class:`~agent.domain.Emergency`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agent.domain import Emergency

from .state import Outcome, State


@dataclass(frozen=True, slots=True)
class Contact:
    """A person as the escalation calls and notifies them (copied from the profile)."""

    name: str
    phone: str
    sms: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class NewEscalation:
    emergency: Emergency  # created_at: when it was reported
    people: tuple[Contact, ...]
    dedupe_key: str
    language: str = "de"
    call_id: uuid.UUID | None = None
    request_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class EscalationRecord:
    id: uuid.UUID
    emergency: Emergency
    language: str
    state: State
    people: tuple[Contact, ...]
    attempts_made: int
    next_attempt_at: datetime | None
    acknowledged_by: str | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    joined_calls: int
    dedupe_key: str
    caller_told_at: datetime | None = None  # the caller heard on the line who took it


@dataclass(frozen=True, slots=True)
class Attempt:
    escalation_id: uuid.UUID
    attempt_no: int
    person: str
    phone: str
    owner: str
    channel_id: str | None
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    outcome: Outcome | None
    detail: str


def emergency_from_row(row: dict[str, Any]) -> Emergency:
    return Emergency(
        kind=row["kind"],
        caller_name=row["caller_name"],
        caller_number=row["caller_number"],
        address=row["address"],
        description=row["description"],
        id=str(row["request_id"] or row["id"]),
        created_at=row["occurred_at"],
        call_id=str(row["call_id"]) if row["call_id"] else None,
    )


def record_from_row(row: dict[str, Any]) -> EscalationRecord:
    people = tuple(Contact(**p) for p in row["people"])
    own = set(EscalationRecord.__dataclass_fields__) - {"people", "emergency"}
    fields = {k: row[k] for k in own}
    fields["state"] = State(row["state"])
    return EscalationRecord(people=people, emergency=emergency_from_row(row), **fields)


def attempt_from_row(row: dict[str, Any]) -> Attempt:
    fields = {k: row[k] for k in Attempt.__dataclass_fields__}
    fields["outcome"] = Outcome(row["outcome"]) if row["outcome"] else None
    return Attempt(**fields)
