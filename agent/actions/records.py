"""Where the records of calls are kept: the :class:`RecordStore` interface, and
:class:`InMemoryRecordStore` for this process (simulate, tests).
:class:`agent.actions.records_pg.PostgresRecordStore` keeps them in the database.

The records themselves are the domain model's (:mod:`agent.domain.records`).
"""

from __future__ import annotations

from typing import Protocol

from agent.domain.records import Emergency, Lead, Message, Order, PrivacyRequest, Record


class RecordStore(Protocol):
    async def add(self, record: Record) -> None:
        """Store ``record``; storing the same id again changes nothing."""
        ...

    async def leads(self) -> list[Lead]: ...

    async def orders(self) -> list[Order]: ...

    async def messages(self) -> list[Message]: ...

    async def privacy_requests(self) -> list[PrivacyRequest]: ...

    async def escalations(self) -> list[Emergency]: ...


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

    async def privacy_requests(self) -> list[PrivacyRequest]:
        return [r for r in self._records.values() if isinstance(r, PrivacyRequest)]

    async def escalations(self) -> list[Emergency]:
        return [r for r in self._records.values() if isinstance(r, Emergency)]
