"""Pytest fixtures for the real lab PostgreSQL (lab/postgres.sh, 127.0.0.1:5433).

* ``lab_postgres`` (session): makes sure the lab cluster runs; FAILS with the reason if not.
* ``pg_database`` (function): a fresh, empty database of its own, dropped afterwards.
* ``migrated_db`` (function): an open :class:`agent.storage.Database` on a fresh database
  with all migrations applied.
* ``pg_proxy`` (function): a TCP proxy to the lab server whose ``stop()``/``start()``
  take "the database" down (connection refused, open connections cut) and bring it back
  without disturbing the cluster other tests share.

Tests that use any of these are marked ``postgres`` automatically.
"""

from __future__ import annotations

import os
import queue
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from agent.storage import Database, migrate
from tests.support.tcp_proxy import TcpProxy

REPO = Path(__file__).resolve().parents[2]
LAB_SCRIPT = REPO / "lab" / "postgres.sh"
HOST = "127.0.0.1"
PORT = 5433
_FIXTURES = {"lab_postgres", "pg_database", "migrated_db", "pg_proxy"}


@dataclass(frozen=True, slots=True)
class LabPostgres:
    host: str = HOST
    port: int = PORT
    user: str = "postgres"

    def url(self, dbname: str = "rufbereit", port: int | None = None) -> str:
        return f"postgresql://{self.user}@{self.host}:{port or self.port}/{dbname}"

    @property
    def admin_url(self) -> str:
        return self.url("postgres")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def lab_postgres() -> LabPostgres:
    """The lab cluster, started by ``lab/postgres.sh up`` if needed."""
    try:
        proc = subprocess.run(
            ["bash", str(LAB_SCRIPT), "up"],
            capture_output=True,
            text=True,
            timeout=120,
            env=os.environ.copy(),
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.fail(f"lab PostgreSQL: `lab/postgres.sh up` could not run: {exc}", pytrace=False)
    if proc.returncode != 0:
        pytest.fail(
            f"lab PostgreSQL could not be started (`lab/postgres.sh up` exit {proc.returncode}):\n"
            f"{proc.stderr.strip() or proc.stdout.strip()}",
            pytrace=False,
        )
    lab = LabPostgres()
    try:
        with psycopg.connect(lab.admin_url, connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        pytest.fail(f"lab PostgreSQL is up but not reachable at {lab.admin_url}: {exc}")
    return lab


class _DatabaseFactory:
    """Empty databases made ahead of time by a worker thread, so a test gets one at once
    (CREATE DATABASE takes 0.05-0.3 s); used ones are dropped in the background too."""

    def __init__(self, lab: LabPostgres, ahead: int = 2) -> None:
        self._lab = lab
        self._ready: queue.Queue[str | BaseException] = queue.Queue()
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="pg-databases")
        for _ in range(ahead):
            self._worker.submit(self._create)

    def _admin(self, statement: sql.Composed) -> None:
        with psycopg.connect(self._lab.admin_url, autocommit=True) as conn:
            conn.execute(statement)

    def _create(self) -> None:
        name = f"test_{uuid.uuid4().hex[:20]}"
        try:
            self._admin(
                sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name))
            )
        except BaseException as exc:
            self._ready.put(exc)
        else:
            self._ready.put(name)

    def _drop(self, name: str) -> None:
        self._admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def take(self) -> str:
        item = self._ready.get(timeout=60)
        self._worker.submit(self._create)
        if isinstance(item, BaseException):
            pytest.fail(f"lab PostgreSQL: could not create a test database: {item}")
        return item

    def give_back(self, name: str) -> None:
        self._worker.submit(self._drop, name)

    def close(self) -> None:
        self._worker.shutdown(wait=True)
        while not self._ready.empty():
            item = self._ready.get()
            if isinstance(item, str):
                self._drop(item)


@pytest.fixture(scope="session")
def _pg_databases(lab_postgres: LabPostgres) -> Iterator[_DatabaseFactory]:
    factory = _DatabaseFactory(lab_postgres)
    try:
        yield factory
    finally:
        factory.close()


@pytest.fixture
def pg_database(lab_postgres: LabPostgres, _pg_databases: _DatabaseFactory) -> Iterator[str]:
    """URL of a new empty database (from template0) of this test's own, dropped afterwards."""
    name = _pg_databases.take()
    try:
        yield lab_postgres.url(name)
    finally:
        _pg_databases.give_back(name)


@pytest.fixture
async def migrated_db(pg_database: str) -> AsyncIterator[Database]:
    """An open Database on a fresh database with every migration applied."""
    db = Database(pg_database)
    await db.open()
    await migrate(db)
    try:
        yield db
    finally:
        await db.close()


class PgProxy(TcpProxy):
    """A :class:`TcpProxy` to the lab PostgreSQL server."""

    def __init__(self, lab: LabPostgres) -> None:
        super().__init__(lab.host, lab.port)
        self.lab = lab

    def url(self, dbname: str) -> str:
        """The URL of ``dbname`` through the proxy."""
        return self.lab.url(dbname, port=self.port)

    def url_for(self, direct_url: str) -> str:
        """``direct_url`` (a lab database URL) rewritten to go through the proxy."""
        return self.url(direct_url.rsplit("/", 1)[1])


@pytest.fixture
async def pg_proxy(lab_postgres: LabPostgres) -> AsyncIterator[PgProxy]:
    """A running :class:`PgProxy` to the lab server; stopped after the test."""
    proxy = PgProxy(lab_postgres)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.stop()
