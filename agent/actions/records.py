"""What a call leaves behind besides appointments: leads, orders, messages, escalations.

Each record is a frozen dataclass with an id made by the writer (so a retried
write never duplicates). :class:`RecordStore` is the interface;
:class:`InMemoryRecordStore` keeps them in this process (simulate, tests) and
:class:`agent.actions.records_pg.PostgresRecordStore` in the database.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal, Protocol

MessageKind = Literal["message", "callback"]


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True, slots=True)
class Lead:
    id: str
    created_at: datetime
    need: str
    location: str
    budget: str
    urgency: str
    name: str
    phone: str
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
    id: str
    created_at: datetime
    lines: tuple[OrderLine, ...]
    name: str
    phone: str
    note: str = ""
    call_id: str | None = None


@dataclass(frozen=True, slots=True)
class Message:
    """A message for the office, or a request to call the caller back."""

    id: str
    created_at: datetime
    kind: MessageKind
    name: str
    phone: str
    text: str
    reason: str = ""
    due: date | None = None
    call_id: str | None = None


@dataclass(frozen=True, slots=True)
class Escalation:
    """An emergency handed to the on-call rota."""

    id: str
    created_at: datetime
    kind: str
    caller_name: str
    caller_number: str
    address: str
    description: str
    call_id: str | None = None


Record = Lead | Order | Message | Escalation


class RecordStore(Protocol):
    async def add(self, record: Record) -> None:
        """Store ``record``; storing the same id again changes nothing."""
        ...

    async def leads(self) -> list[Lead]: ...

    async def orders(self) -> list[Order]: ...

    async def messages(self) -> list[Message]: ...

    async def escalations(self) -> list[Escalation]: ...


class InMemoryRecordStore:
    def __init__(self) -> None:
        self._records: dict[str, Record] = {}

    async def add(self, record: Record) -> None:
        self._records.setdefault(record.id, record)

    async def leads(self) -> list[Lead]:
        return [r for r in self._records.values() if isinstance(r, Lead)]

    async def orders(self) -> list[Order]:
        return [r for r in self._records.values() if isinstance(r, Order)]

    async def messages(self) -> list[Message]:
        return [r for r in self._records.values() if isinstance(r, Message)]

    async def escalations(self) -> list[Escalation]:
        return [r for r in self._records.values() if isinstance(r, Escalation)]
