"""Leads, orders, messages, privacy requests and escalation requests in PostgreSQL
(migrations 0003, 0007)."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from psycopg.rows import dict_row

from agent.domain import Emergency, Lead, Message, Order, OrderLine, PrivacyRequest, Record
from agent.storage.database import Connection, Database, DatabaseUnavailable

log = logging.getLogger(__name__)


class RecordStoreUnavailable(Exception):
    """The records' database cannot be used right now."""


def _uuid(value: str | None) -> uuid.UUID | None:
    return None if value is None else uuid.UUID(value)


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
        ids = (uuid.UUID(r.id), _uuid(r.call_id), r.created_at)
        if isinstance(r, Lead):
            await conn.execute(
                "INSERT INTO leads (id, call_id, created_at, need, location, budget, urgency,"
                " name, phone, note) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (id) DO NOTHING",
                (*ids, r.need, r.location, r.budget, r.urgency, r.name, r.phone, r.note),
            )
        elif isinstance(r, Order):
            cur = await conn.execute(
                "INSERT INTO orders (id, call_id, created_at, name, phone, note)"
                " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
                (*ids, r.name, r.phone, r.note),
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
                (*ids, r.kind, r.name, r.phone, r.text, r.reason, r.due),
            )
        elif isinstance(r, PrivacyRequest):
            await conn.execute(
                "INSERT INTO privacy_requests (id, call_id, created_at, kind, name, phone, text)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
                (*ids, r.kind, r.name, r.phone, r.text),
            )
        else:
            await conn.execute(
                "INSERT INTO escalation_requests (id, call_id, created_at, kind, caller_name,"
                " caller_number, address, description) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (id) DO NOTHING",
                (*ids, r.kind, r.caller_name, r.caller_number, r.address, r.description),
            )

    async def _rows(self, query: str) -> list[dict[str, Any]]:
        try:
            async with self._db.connection() as conn:
                cur = conn.cursor(row_factory=dict_row)
                await cur.execute(query)
                return [_plain_ids(r) for r in await cur.fetchall()]
        except DatabaseUnavailable as exc:
            raise RecordStoreUnavailable(str(exc)) from None

    async def leads(self) -> list[Lead]:
        rows = await self._rows(
            "SELECT id, created_at, call_id, need, location, budget, urgency, name, phone, note"
            " FROM leads ORDER BY created_at, id"
        )
        return [Lead(**r) for r in rows]

    async def orders(self) -> list[Order]:
        rows = await self._rows(
            "SELECT id, created_at, call_id, name, phone, note FROM orders ORDER BY created_at, id"
        )
        lines = await self._rows(
            "SELECT order_id, sku, name, quantity, unit, unit_price, backorder"
            " FROM order_lines ORDER BY order_id, position"
        )
        by_order: dict[str, list[OrderLine]] = {}
        for line in lines:
            by_order.setdefault(str(line.pop("order_id")), []).append(OrderLine(**line))
        return [Order(lines=tuple(by_order.get(r["id"], [])), **r) for r in rows]

    async def messages(self) -> list[Message]:
        rows = await self._rows(
            "SELECT id, created_at, call_id, kind, name, phone, text, reason, due"
            " FROM messages ORDER BY created_at, id"
        )
        return [Message(**r) for r in rows]

    async def privacy_requests(self) -> list[PrivacyRequest]:
        rows = await self._rows(
            "SELECT id, created_at, call_id, kind, name, phone, text"
            " FROM privacy_requests ORDER BY created_at, id"
        )
        return [PrivacyRequest(**r) for r in rows]

    async def escalations(self) -> list[Emergency]:
        rows = await self._rows(
            "SELECT id, created_at, call_id, kind, caller_name, caller_number, address,"
            " description FROM escalation_requests ORDER BY created_at, id"
        )
        return [Emergency(**r) for r in rows]


def _plain_ids(row: dict[str, Any]) -> dict[str, Any]:
    """uuid columns as the strings the records carry."""
    return {k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in row.items()}
