"""Database: lazy pool, typed unavailability, no password in messages."""

from __future__ import annotations

import socket
import time

import pytest

from agent.storage import Database, DatabaseUnavailable, redact_url
from tests.support.postgres import PgProxy

pytestmark = pytest.mark.postgres


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql://postgres@127.0.0.1:5433/rufbereit",
            "postgresql://postgres@127.0.0.1:5433/rufbereit",
        ),
        ("postgresql://app:s%26e=cret@db:5432/x", "postgresql://app:***@db:5432/x"),
        ("host=db port=5 user=app password=hunter2 dbname=x", "postgresql://app:***@db:5/x"),
        ("postgresql://%zz@", "<unparsable database URL>"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown


async def test_healthy_against_the_lab(pg_database: str) -> None:
    async with Database(pg_database) as db:
        assert await db.healthy()
        async with db.connection() as conn:
            cur = await conn.execute("SELECT 41 + 1")
            assert await cur.fetchone() == (42,)


async def test_opens_at_once_when_the_server_is_down_and_fails_typed_without_password() -> None:
    url = f"postgresql://app:topsecret@127.0.0.1:{_closed_port()}/rufbereit"
    db = Database(url, acquire_timeout=0.3)  # opened lazily by its first use
    try:
        t0 = time.monotonic()
        assert not await db.healthy()
        assert time.monotonic() - t0 < 0.5, "a refused connection must be noticed at once"
        with pytest.raises(DatabaseUnavailable) as err:
            async with db.connection():
                pass
        assert "topsecret" not in str(err.value)
        assert "app:***@127.0.0.1" in str(err.value)
    finally:
        await db.close()
    with pytest.raises(DatabaseUnavailable, match="closed"):
        async with db.connection():
            pass


async def test_recovers_quickly_when_the_server_comes_back(
    pg_database: str, pg_proxy: PgProxy
) -> None:
    await pg_proxy.stop()
    async with Database(pg_proxy.url_for(pg_database), acquire_timeout=0.3) as db:
        assert not await db.healthy()
        assert not await db.healthy()  # the pool is now in its reconnect back-off
        await pg_proxy.start()
        t0 = time.monotonic()
        assert await db.healthy()
        async with db.connection(wait=2.0) as conn:
            await conn.execute("SELECT 1")
        assert time.monotonic() - t0 < 2.5


async def test_lost_connections_surface_as_unavailable(pg_database: str, pg_proxy: PgProxy) -> None:
    async with Database(pg_proxy.url_for(pg_database), acquire_timeout=0.5) as db:
        assert await db.healthy()
        with pytest.raises(DatabaseUnavailable):
            async with db.connection() as conn:
                await pg_proxy.stop()
                await conn.execute("SELECT 1")
