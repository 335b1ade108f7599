"""Fixtures for the escalation tests: a service wired to the lab (ARI, PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from agent.actions.escalation import RecordingNotifier
from agent.storage import Database
from agent.telephony.ari_client import AriClient
from tests.escalation.harness import TEST_APP, Harness, build_service
from tests.support.lab import ARI_PASSWORD, ARI_URL, ARI_USER


@pytest.fixture
async def h(
    lab: None, ari_cleanup: None, migrated_db: Database, pg_database: str
) -> AsyncIterator[Harness]:
    ari = AriClient(ARI_URL, ARI_USER, ARI_PASSWORD, TEST_APP)
    await ari.start()
    acks: list[float] = []
    service = await build_service(ari, migrated_db, pg_database, on_ack_seconds=acks.append)
    try:
        yield Harness(
            ari, migrated_db, service.store, RecordingNotifier(migrated_db), service,
            pg_database, acks,
        )  # fmt: skip
    finally:
        await service.close()
        await ari.close()
