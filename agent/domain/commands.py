"""What the dialogue decides to do: typed, frozen commands carried by each turn.

The engine performs the bookkeeping at once through the executor (calendar, records)
so it can tell the caller the outcome; ``StartEscalation`` and ``Handover`` are also
for the call controller, which rings the on-call rota or puts the call through.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agent.jsonable import to_json

from .records import Emergency, Message, Record


@dataclass(frozen=True, slots=True)
class BookAppointment:
    appointment_type: str
    start: datetime
    end: datetime
    name: str
    phone: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class RescheduleAppointment:
    appointment_id: str
    appointment_type: str
    old_start: datetime
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class CancelAppointment:
    appointment_id: str
    appointment_type: str
    start: datetime


@dataclass(frozen=True, slots=True)
class Save:
    """Keep a record: a lead, an order, a message, a privacy request."""

    record: Record


@dataclass(frozen=True, slots=True)
class StartEscalation:
    """Ring the on-call rota about a real emergency (and keep its record)."""

    emergency: Emergency


@dataclass(frozen=True, slots=True)
class Handover:
    """Put the call through to ``target`` (the office) with a summary for the person."""

    target: str
    summary: str
    reason: str


Command = (
    BookAppointment | RescheduleAppointment | CancelAppointment | Save | StartEscalation | Handover
)


def command_json(command: Command) -> dict[str, Any]:
    """The command as JSON; a saved record shows its own type ('Lead', 'Message', ...)."""
    if isinstance(command, Save):
        return {"type": "Save", "record": type(command.record).__name__, **to_json(command.record)}
    if isinstance(command, StartEscalation):
        return {"type": "StartEscalation", **to_json(command.emergency)}
    return {"type": type(command).__name__, **to_json(command)}


def record_kind(command: Command) -> str | None:
    """What a ``Save`` keeps, in a word (lead, order, message, callback, privacy); None for
    other commands. The call's timeline and the console show it."""
    if not isinstance(command, Save):
        return None
    record = command.record
    if isinstance(record, Message):
        return record.kind
    return {"Lead": "lead", "Order": "order", "PrivacyRequest": "privacy"}.get(
        type(record).__name__, type(record).__name__.lower()
    )
