"""What the dialogue decides to do: typed, frozen actions carried by each :class:`Turn`.

The engine performs the bookkeeping ones at once through the executor (calendar,
records) so it can tell the caller the outcome; ``StartEscalation`` and
``Handover`` are also for the call controller, which rings the on-call rota or
transfers the call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from agent.actions.records import OrderLine
from agent.jsonable import to_json


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
class CreateLead:
    need: str
    location: str
    budget: str
    urgency: str
    name: str
    phone: str


@dataclass(frozen=True, slots=True)
class PlaceOrder:
    lines: tuple[OrderLine, ...]
    name: str
    phone: str


@dataclass(frozen=True, slots=True)
class StartEscalation:
    """A real emergency for the on-call rota (the escalation step rings the technician)."""

    kind: str
    caller_name: str
    caller_number: str
    address: str
    description: str
    at: datetime


@dataclass(frozen=True, slots=True)
class TakeMessage:
    name: str
    phone: str
    text: str
    reason: str
    due: date | None = None


@dataclass(frozen=True, slots=True)
class CallbackRequest:
    name: str
    phone: str
    topic: str
    reason: str
    due: date | None = None


@dataclass(frozen=True, slots=True)
class Handover:
    """Transfer the call to ``target`` (the office) with a summary for the person."""

    target: str
    summary: str
    reason: str


Action = (
    BookAppointment
    | RescheduleAppointment
    | CancelAppointment
    | CreateLead
    | PlaceOrder
    | StartEscalation
    | TakeMessage
    | CallbackRequest
    | Handover
)


def action_json(action: Action) -> dict[str, Any]:
    return {"type": type(action).__name__, **to_json(action)}
