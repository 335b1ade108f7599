"""Leads, orders, messages and escalation requests in PostgreSQL (migration 0003)."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from agent.storage.database import Connection, Database, DatabaseUnavailable

from .records import Escalation, Lead, Message, Order, OrderLine, Record

log = logging.getLogger(__name__)


class RecordStoreUnavailable(Exception):
    """The records' database cannot be used right now."""


def _uuid(value: str | None) -> uuid.UUID | None:
    return None if value is None else uuid.UUID(value)


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


class PostgresRecordStore:
    """A :class:`~agent.actions.records.RecordStore` on the project's database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, record: Record) -> None:
        try:
            async with self._db.connection() as conn, conn.transaction():
                await self._insert(conn, record)
        except DatabaseUnavailable as exc:
            raise RecordStoreUnavailable(str(exc)) from None
        log.info("record stored", extra={"record": type(record).__name__.lower(), "id": record.id})

    async def _insert(self, conn: Connection, r: Record) -> None:
        if isinstance(r, Lead):
            await conn.execute(
                "INSERT INTO leads (id, call_id, created_at, need, location, budget, urgency,"
                " name, phone) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (id) DO NOTHING",
                (uuid.UUID(r.id), _uuid(r.call_id), r.created_at, r.need, r.location,
                 r.budget, r.urgency, r.name, r.phone),
            )  # fmt: skip
        elif isinstance(r, Order):
            cur = await conn.execute(
                "INSERT INTO orders (id, call_id, created_at, name, phone, note)"
                " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
                (uuid.UUID(r.id), _uuid(r.call_id), r.created_at, r.name, r.phone, r.note),
            )
            if cur.rowcount:
                for n, line in enumerate(r.lines):
                    await conn.execute(
                        "INSERT INTO order_lines (order_id, position, sku, name, quantity,"
                        " unit, unit_price, backorder) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                        (uuid.UUID(r.id), n, line.sku, line.name, line.quantity, line.unit,
                         line.unit_price, line.backorder),
                    )  # fmt: skip
        elif isinstance(r, Message):
            await conn.execute(
                "INSERT INTO messages (id, call_id, created_at, kind, name, phone, text,"
                " reason, due) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (id) DO NOTHING",
                (uuid.UUID(r.id), _uuid(r.call_id), r.created_at, r.kind, r.name, r.phone,
                 r.text, r.reason, r.due),
            )  # fmt: skip
        else:
            await conn.execute(
                "INSERT INTO escalation_requests (id, call_id, created_at, kind, caller_name,"
                " caller_number, address, description) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (id) DO NOTHING",
                (uuid.UUID(r.id), _uuid(r.call_id), r.created_at, r.kind, r.caller_name,
                 r.caller_number, r.address, r.description),
            )  # fmt: skip

    async def _rows(self, query: str) -> list[tuple[Any, ...]]:
        try:
            async with self._db.connection() as conn:
                cur = await conn.execute(query)
                return list(await cur.fetchall())
        except DatabaseUnavailable as exc:
            raise RecordStoreUnavailable(str(exc)) from None

    async def leads(self) -> list[Lead]:
        rows = await self._rows(
            "SELECT id, created_at, need, location, budget, urgency, name, phone, call_id"
            " FROM leads ORDER BY created_at, id"
        )
        return [
            Lead(str(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], r[7], call_id=_str(r[8]))
            for r in rows
        ]

    async def orders(self) -> list[Order]:
        rows = await self._rows(
            "SELECT id, created_at, name, phone, note, call_id FROM orders ORDER BY created_at, id"
        )
        lines = await self._rows(
            "SELECT order_id, sku, name, quantity, unit, unit_price, backorder"
            " FROM order_lines ORDER BY order_id, position"
        )
        by_order: dict[str, list[OrderLine]] = {}
        for line in lines:
            by_order.setdefault(str(line[0]), []).append(OrderLine(*line[1:]))
        return [
            Order(str(r[0]), r[1], tuple(by_order.get(str(r[0]), [])), r[2], r[3], r[4], _str(r[5]))
            for r in rows
        ]

    async def messages(self) -> list[Message]:
        rows = await self._rows(
            "SELECT id, created_at, kind, name, phone, text, reason, due, call_id"
            " FROM messages ORDER BY created_at, id"
        )
        return [
            Message(str(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], r[7], call_id=_str(r[8]))
            for r in rows
        ]

    async def escalations(self) -> list[Escalation]:
        rows = await self._rows(
            "SELECT id, created_at, kind, caller_name, caller_number, address, description,"
            " call_id FROM escalation_requests ORDER BY created_at, id"
        )
        return [
            Escalation(str(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], call_id=_str(r[7]))
            for r in rows
        ]
