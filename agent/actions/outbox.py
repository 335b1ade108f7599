"""The outbox: leads and orders pushed to the company's CRM/ERP by webhook, never lost.

A lead or order and its outbox item are written in ONE transaction
(:class:`OutboxRecordStore`), so either both exist or neither. :class:`OutboxWorker`
delivers due items: it claims one with ``FOR UPDATE SKIP LOCKED`` (two workers never
send the same item at once; a killed worker's lock dies with its connection), POSTs
the stored body as JSON signed with HMAC-SHA256 (``X-Rufbereit-Signature:
sha256=<hex>`` over the exact body) and an ``Idempotency-Key`` (the item id), and on
failure schedules the next attempt with exponential backoff. A receiver may see an
item twice only if the worker died between the receiver's answer and the commit:
it dedupes by the idempotency key.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import hmac
import json
import logging
import random
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx

from agent.domain import Lead, Order, Record
from agent.jsonable import to_json
from agent.storage.database import Connection, Database, DatabaseUnavailable

from .records_pg import PostgresRecordStore, RecordStoreUnavailable
from .settings import WebhookSettings

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Rufbereit-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
TOPIC_HEADER = "X-Rufbereit-Event"
_NAMESPACE = uuid.UUID("6f1c1f9e-3b0c-4a57-9d0e-7c2b8a1e5f10")


def record_payload(record: Lead | Order) -> dict[str, Any]:
    return to_json(record)


def sign(secret: bytes, body: bytes) -> str:
    """The signature header's value: ``sha256=`` + hex HMAC-SHA256 of ``body``."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify(secret: bytes, body: bytes, header: str) -> bool:
    """For receivers (and tests): is ``header`` the signature of ``body``?"""
    return hmac.compare_digest(sign(secret, body), header)


def item_id(topic: str, key: str) -> str:
    """A stable outbox id for ``topic`` about ``key``: writing it twice is a no-op."""
    return str(uuid.uuid5(_NAMESPACE, f"{topic}:{key}"))


async def enqueue(
    conn: Connection, topic: str, payload: dict[str, Any], *, key: str | None = None
) -> str:
    """Add an item inside the caller's transaction; return its id (= idempotency key)."""
    id_ = item_id(topic, key) if key else str(uuid.uuid4())
    body = json.dumps(
        {"id": id_, "topic": topic, "data": payload},
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )
    await conn.execute(
        "INSERT INTO outbox (id, topic, payload, body) VALUES (%s, %s, %s::jsonb, %s)"
        " ON CONFLICT (id) DO NOTHING",
        (uuid.UUID(id_), topic, json.dumps(payload), body),
    )
    return id_


class OutboxRecordStore(PostgresRecordStore):
    """A record store that also queues every new lead / order for the webhook, atomically.
    ``on_queued`` (e.g. :meth:`OutboxWorker.notify`) is called after each commit."""

    def __init__(self, db: Database, on_queued: Callable[[], None] | None = None) -> None:
        super().__init__(db)
        self._on_queued = on_queued or (lambda: None)

    async def add(self, record: Record) -> None:
        try:
            async with self._db.connection() as conn, conn.transaction():
                await self._insert(conn, record)
                if isinstance(record, Lead | Order):
                    topic = "lead.created" if isinstance(record, Lead) else "order.created"
                    await enqueue(conn, topic, record_payload(record), key=record.id)
        except DatabaseUnavailable as exc:
            raise RecordStoreUnavailable(str(exc)) from None
        log.info("record stored", extra={"record": type(record).__name__.lower(), "id": record.id})
        if isinstance(record, Lead | Order):
            self._on_queued()


@dataclasses.dataclass(frozen=True, slots=True)
class OutboxStats:
    pending: int
    delivered: int
    oldest_pending: datetime | None


class OutboxWorker:
    """Delivers due outbox items to ``settings.url`` until stopped."""

    def __init__(
        self,
        db: Database,
        settings: WebhookSettings,
        *,
        client: httpx.AsyncClient | None = None,
        name: str = "outbox",
    ) -> None:
        self._db = db
        self._settings = settings
        self._secret = settings.secret.get_secret_value().encode()
        self._client = client
        self._own_client = client is None
        self._name = name
        self._wake = asyncio.Event()

    def notify(self) -> None:
        """Something was queued: look now instead of at the next poll."""
        self._wake.set()

    def backoff(self, attempts: int) -> float:
        """Seconds before attempt ``attempts + 1``: doubling, capped, with 10 % jitter."""
        s = self._settings
        delay = min(s.backoff_max_s, s.backoff_initial_s * 2 ** max(0, attempts - 1))
        return float(delay * random.uniform(0.9, 1.1))

    async def _post(self, id_: str, topic: str, body: str, attempt: int) -> None:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._settings.timeout_s)
        data = body.encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            SIGNATURE_HEADER: sign(self._secret, data),
            IDEMPOTENCY_HEADER: id_,
            TOPIC_HEADER: topic,
            "X-Rufbereit-Delivery-Attempt": str(attempt),
        }
        resp = await self._client.post(self._settings.url, content=data, headers=headers)
        if not 200 <= resp.status_code < 300:
            raise httpx.HTTPStatusError(
                f"HTTP {resp.status_code}", request=resp.request, response=resp
            )

    async def deliver_one(self) -> bool | None:
        """Claim and try one due item: True delivered, False failed (rescheduled),
        None when nothing is due."""
        async with self._db.connection() as conn, conn.transaction():
            cur = await conn.execute(
                "SELECT id, topic, body, attempts FROM outbox"
                " WHERE delivered_at IS NULL AND next_attempt_at <= now()"
                " ORDER BY next_attempt_at, created_at LIMIT 1 FOR UPDATE SKIP LOCKED"
            )
            row = await cur.fetchone()
            if row is None:
                return None
            id_, topic, body, attempts = str(row[0]), str(row[1]), str(row[2]), int(row[3])
            try:
                await self._post(id_, topic, body, attempts + 1)
            except (httpx.HTTPError, OSError) as exc:
                delay = self.backoff(attempts + 1)
                error = f"{type(exc).__name__}: {exc}"[:500]
                await conn.execute(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = %s,"
                    " next_attempt_at = now() + make_interval(secs => %s) WHERE id = %s",
                    (error, delay, row[0]),
                )
                log.warning(
                    "webhook delivery failed; will retry",
                    extra={"worker": self._name, "outbox_id": id_, "attempt": attempts + 1,
                           "retry_in_s": round(delay, 2), "error": type(exc).__name__},
                )  # fmt: skip
                return False
            await conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = NULL,"
                " delivered_at = now() WHERE id = %s",
                (row[0],),
            )
            log.info(
                "webhook delivered",
                extra={"worker": self._name, "outbox_id": id_, "topic": topic,
                       "attempt": attempts + 1},
            )  # fmt: skip
            return True

    async def run_once(self) -> int:
        """Deliver everything due now; return how many were delivered."""
        delivered = 0
        while True:
            result = await self.deliver_one()
            if result is None:
                return delivered
            delivered += int(result)

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Deliver until ``stop`` is set (or cancelled); survives database outages."""
        stop = stop or asyncio.Event()
        while not stop.is_set():
            self._wake.clear()  # before looking: a notify() from now on is not lost
            try:
                await self.run_once()
            except DatabaseUnavailable as exc:
                log.warning("outbox: database unavailable", extra={"error": str(exc)})
            waits = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
            try:
                await asyncio.wait(waits, timeout=self._settings.poll_s,
                                   return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
            finally:
                for w in waits:
                    w.cancel()

    async def close(self) -> None:
        if self._own_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    async def stats(self) -> OutboxStats:
        async with self._db.connection() as conn:
            cur = await conn.execute(
                "SELECT count(*) FILTER (WHERE delivered_at IS NULL),"
                " count(*) FILTER (WHERE delivered_at IS NOT NULL),"
                " min(created_at) FILTER (WHERE delivered_at IS NULL) FROM outbox"
            )
            row = await cur.fetchone()
        assert row is not None
        return OutboxStats(int(row[0]), int(row[1]), row[2])


async def outbox_backlog(db: Database) -> int:
    """Deliveries not yet made (the metrics' gauge)."""
    async with db.connection(wait=2.0) as conn:
        row = await (
            await conn.execute("SELECT count(*) FROM outbox WHERE delivered_at IS NULL")
        ).fetchone()
    return int(row[0]) if row else 0
