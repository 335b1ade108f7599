"""What a call leaves behind: appointments, leads, orders, messages, privacy requests and
emergencies. Each is a frozen dataclass: its content first, then the bookkeeping the
writer stamps on it (``id`` made by the writer, so a retried write never duplicates;
``created_at``; the ``call_id`` it came from)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

MessageKind = Literal["message", "callback"]
#: DSGVO: Art. 15 access, Art. 16 correction, Art. 17 erasure, Art. 21 objection.
PrivacyKind = Literal["access", "correction", "erasure", "objection"]
AppointmentStatus = Literal["booked", "cancelled"]


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True, slots=True)
class Appointment:
    id: str
    appointment_type: str
    start: datetime
    end: datetime
    name: str
    phone: str
    note: str = ""
    status: AppointmentStatus = "booked"
    call_id: str | None = None


@dataclass(frozen=True, slots=True)
class Lead:
    need: str
    location: str
    budget: str
    urgency: str
    name: str
    phone: str
    #: Questions the caller asked on the way that the profile could not answer.
    note: str = ""
    id: str = field(default_factory=new_id)
    created_at: datetime | None = None
    call_id: str | None = None


@dataclass(frozen=True, slots=True)
class OrderLine:
    sku: str
    name: str
    quantity: int
    unit: str
    unit_price: Decimal | None = None
    backorder: int = 0  # how many of ``quantity`` are not in stock


@dataclass(frozen=True, slots=True)
class Order:
    lines: tuple[OrderLine, ...]
    name: str
    phone: str
    note: str = ""
    id: str = field(default_factory=new_id)
    created_at: datetime | None = None
    call_id: str | None = None


@dataclass(frozen=True, slots=True)
class Message:
    """A message for the office, or a request to call the caller back."""

    kind: MessageKind
    name: str
    phone: str
    text: str
    reason: str = ""
    due: date | None = None
    id: str = field(default_factory=new_id)
    created_at: datetime | None = None
    call_id: str | None = None


@dataclass(frozen=True, slots=True)
class PrivacyRequest:
    """A caller's request about their personal data, for the owner to answer (within a
    month, DSGVO Art. 12(3)); ``text`` is what the caller said."""

    kind: PrivacyKind
    name: str
    phone: str
    text: str
    id: str = field(default_factory=new_id)
    created_at: datetime | None = None
    call_id: str | None = None


@dataclass(frozen=True, slots=True)
class Emergency:
    """A real emergency for the on-call rota; ``created_at`` is when it was reported."""

    kind: str
    caller_name: str
    caller_number: str
    address: str
    description: str
    id: str = field(default_factory=new_id)
    created_at: datetime | None = None
    call_id: str | None = None


Record = Lead | Order | Message | PrivacyRequest | Emergency
