"""The connection pool to PostgreSQL.

``Database`` wraps a psycopg_pool ``AsyncConnectionPool``. Opening never waits for
the server, so the agent starts (and answers calls) while the database is down;
every failure to reach it surfaces as one typed error, :class:`DatabaseUnavailable`.
The URL's password never appears in logs or error messages (see :func:`redact_url`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import psycopg
import psycopg_pool
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import TupleRow
from pydantic import SecretStr

log = logging.getLogger(__name__)

Connection = psycopg.AsyncConnection[TupleRow]


class DatabaseUnavailable(Exception):
    """The database cannot be used right now (down, refused, pool timeout, connection lost).

    Transient by nature: retrying later may succeed. Its message never holds a password.
    """


def redact_url(url: str) -> str:
    """``postgresql://user@host:port/dbname`` without the password (any conninfo format)."""
    try:
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "<unparsable database URL>"
    user = params.get("user") or ""
    host = params.get("host") or "localhost"
    port = params.get("port") or "5432"
    dbname = params.get("dbname") or ""
    userpart = f"{user}:***@" if params.get("password") else (f"{user}@" if user else "")
    return f"postgresql://{userpart}{host}:{port}/{dbname}"


def _password_of(url: str) -> str | None:
    try:
        value = conninfo_to_dict(url).get("password")
    except psycopg.ProgrammingError:
        return None
    return str(value) if value else None


def is_unavailable_error(exc: BaseException) -> bool:
    """True for errors that mean "not now" rather than "never": retry later."""
    return isinstance(
        exc,
        psycopg.OperationalError
        | psycopg.InterfaceError
        | psycopg_pool.PoolTimeout
        | psycopg_pool.PoolClosed
        | psycopg_pool.TooManyRequests
        | OSError,
    )


class Database:
    """A lazily connecting pool: ``open()`` (or the first use) returns at once; the
    connections are made in the background. Use ``connection()``; ``close()`` at the end."""

    def __init__(
        self,
        url: str | SecretStr,
        *,
        min_size: int = 1,
        max_size: int = 10,
        acquire_timeout: float = 5.0,
        connect_timeout: float = 3.0,
        probe_timeout: float = 0.5,
        name: str = "rufbereit",
    ) -> None:
        self._url = url.get_secret_value() if isinstance(url, SecretStr) else url
        self._password = _password_of(self._url)
        self.display_url = redact_url(self._url)
        self._min_size = min_size
        self._max_size = max_size
        self._acquire_timeout = acquire_timeout
        self._connect_timeout = connect_timeout
        self._probe_timeout = probe_timeout
        self._name = name
        self._pool: psycopg_pool.AsyncConnectionPool[Connection] | None = None
        self._closed = False
        self._in_use = 0

    # -- lifecycle ---------------------------------------------------------------------

    def _new_pool(self) -> psycopg_pool.AsyncConnectionPool[Connection]:
        return psycopg_pool.AsyncConnectionPool(
            self._url,
            open=False,
            min_size=self._min_size,
            max_size=self._max_size,
            timeout=self._acquire_timeout,
            name=self._name,
            check=psycopg_pool.AsyncConnectionPool.check_connection,
            kwargs={
                "autocommit": True,
                "connect_timeout": max(2, round(self._connect_timeout)),
                "application_name": self._name,
            },
        )

    async def open(self) -> None:
        """Start the pool; connections are made in the background (never blocks)."""
        if self._pool is not None:
            return
        if self._closed:
            raise DatabaseUnavailable(f"database {self.display_url}: closed")
        self._pool = self._new_pool()
        await self._pool.open(wait=False)
        log.info("database pool opened", extra={"database": self.display_url})

    async def close(self) -> None:
        self._closed = True
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close(timeout=5.0)
            log.info("database pool closed", extra={"database": self.display_url})

    async def __aenter__(self) -> Database:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def is_open(self) -> bool:
        return self._pool is not None

    async def _opened_pool(self) -> psycopg_pool.AsyncConnectionPool[Connection]:
        if self._pool is None:
            await self.open()
        assert self._pool is not None
        return self._pool

    # -- use ---------------------------------------------------------------------------

    def scrub(self, text: str) -> str:
        """``text`` with the URL's password (if any) replaced by ``***``."""
        if self._password:
            text = text.replace(self._password, "***")
        return text

    def unavailable(self, exc: BaseException) -> DatabaseUnavailable:
        """A :class:`DatabaseUnavailable` describing ``exc``, password-free."""
        detail = self.scrub(str(exc).strip().splitlines()[0] if str(exc).strip() else "")
        kind = type(exc).__name__
        msg = f"database {self.display_url} unavailable: {kind}"
        return DatabaseUnavailable(f"{msg}: {detail}" if detail else msg)

    @asynccontextmanager
    async def connection(self, wait: float | None = None) -> AsyncIterator[Connection]:
        """A pooled connection (autocommit; use ``conn.transaction()`` for transactions).

        Raises :class:`DatabaseUnavailable` when none can be had within ``wait`` seconds
        (default ``acquire_timeout``) or when the server goes away while it is used.
        Other database errors (bad data, SQL errors) pass through unchanged.
        """
        pool = await self._opened_pool()
        self._in_use += 1
        try:
            async with pool.connection(timeout=wait) as conn:
                yield conn
        except DatabaseUnavailable:
            raise
        except Exception as exc:
            if is_unavailable_error(exc):
                raise self.unavailable(exc) from None
            raise
        finally:
            self._in_use -= 1

    async def healthy(self) -> bool:
        """True when a query round-trips now. Never raises; takes at most a few seconds.

        If the pool cannot hand out a connection although nothing uses one, but a direct
        connection works, the pool is stuck in its reconnect back-off (which grows up to
        minutes after a long outage): it is replaced so recovery is immediate.
        """
        if self._closed:
            return False
        pool = await self._opened_pool()
        idle_pool = self._in_use == 0
        stats = pool.get_stats()
        if idle_pool and not stats.get("pool_available", 0):
            # Nothing to borrow (the pool is connecting or backing off): ask the server
            # directly, so a refused connection answers at once.
            if not await self._probe_direct():
                return False
            if stats.get("connections_errors", 0):
                # It answers, but this pool has failed to connect: it is backing off.
                await self._renew_pool()
        try:
            async with self.connection(wait=self._probe_timeout) as conn:
                await conn.execute("SELECT 1")
            return True
        except Exception as exc:
            if not is_unavailable_error(exc) and not isinstance(exc, DatabaseUnavailable):
                log.warning(
                    "database health check failed unexpectedly",
                    extra={"database": self.display_url, "error": type(exc).__name__},
                )
                return False
        if not await self._probe_direct():
            return False
        if idle_pool and self._pool is pool:
            await self._renew_pool()
        return True

    async def _probe_direct(self) -> bool:
        try:
            conn = await psycopg.AsyncConnection.connect(
                self._url, connect_timeout=max(2, round(self._connect_timeout)), autocommit=True
            )
        except Exception:
            return False
        try:
            await conn.execute("SELECT 1")
            return True
        except Exception:
            return False
        finally:
            await conn.close()

    async def _renew_pool(self) -> None:
        old, self._pool = self._pool, self._new_pool()
        await self._pool.open(wait=False)
        log.info("database reachable again; pool renewed", extra={"database": self.display_url})
        if old is not None:
            await old.close(timeout=1.0)

    def stats(self) -> dict[str, Any]:
        """Pool statistics (psycopg_pool's ``get_stats()``), for the doctor command."""
        return dict(self._pool.get_stats()) if self._pool is not None else {}
