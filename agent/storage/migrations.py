"""Versioned SQL migrations: ``agent/storage/migrations/NNNN_name.sql``, applied in order.

Each file runs in its own transaction and is recorded in ``schema_migrations``. A
PostgreSQL advisory lock makes concurrent starters wait for each other, so exactly one
applies a migration. A database whose schema is newer than this code knows is refused
(:class:`SchemaTooNew`): running old code against it could corrupt data.

Adding a migration: add the next ``NNNN_what.sql``; never edit one that has shipped.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

import psycopg

from .database import Connection, Database

log = logging.getLogger(__name__)

# pg_advisory_lock key: b"rufberei" as a signed 64-bit integer.
LOCK_KEY = int.from_bytes(b"rufberei", "big", signed=True)
_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class MigrationError(Exception):
    """The schema cannot be brought to the version this code needs."""


class SchemaTooNew(MigrationError):
    """The database was migrated by a newer rufbereit than this one."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations(directory: Traversable | Path | None = None) -> list[Migration]:
    """The migrations shipped with the code (or in ``directory``), sorted by version."""
    folder = directory or resources.files("agent.storage") / "migrations"
    found: dict[int, Migration] = {}
    for entry in folder.iterdir():
        if not entry.name.endswith(".sql"):
            continue
        match = _FILE_NAME.match(entry.name)
        if not match:
            raise MigrationError(
                f"migration file {entry.name!r} is not named NNNN_lowercase_name.sql"
            )
        version = int(match.group(1))
        if version in found:
            raise MigrationError(
                f"two migration files have version {version}: "
                f"{found[version].name!r} and {match.group(2)!r}"
            )
        found[version] = Migration(version, match.group(2), entry.read_text(encoding="utf-8"))
    return [found[v] for v in sorted(found)]


_CREATE_TABLE = b"""
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)"""


async def _acquire_lock(conn: Connection, patience: float) -> None:
    deadline = time.monotonic() + patience
    waited = False
    while True:
        cur = await conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,))
        row = await cur.fetchone()
        if row is not None and row[0]:
            return
        if time.monotonic() >= deadline:
            raise MigrationError(
                f"another process has held the migration lock for over {patience:.0f} s "
                "(see pg_locks where locktype = 'advisory'); giving up"
            )
        if not waited:
            log.info("waiting for another process to finish migrating")
            waited = True
        await asyncio.sleep(0.1)


async def migrate(
    db: Database,
    migrations: Sequence[Migration] | None = None,
    *,
    lock_timeout: float = 60.0,
) -> list[int]:
    """Apply the pending migrations; return the versions applied (empty when up to date).

    Raises :class:`SchemaTooNew` if the database is ahead of the code,
    :class:`MigrationError` if a migration fails (that migration is rolled back),
    and :class:`~agent.storage.database.DatabaseUnavailable` if the server cannot be used.
    """
    known = list(migrations) if migrations is not None else load_migrations()
    newest_known = known[-1].version if known else 0
    applied_now: list[int] = []
    async with db.connection() as conn:
        await _acquire_lock(conn, lock_timeout)
        try:
            await conn.execute(_CREATE_TABLE)
            cur = await conn.execute("SELECT version, name, checksum FROM schema_migrations")
            applied = {int(v): (str(n), str(c)) for v, n, c in await cur.fetchall()}
            newest_applied = max(applied, default=0)
            if newest_applied > newest_known:
                raise SchemaTooNew(
                    f"the database {db.display_url} has schema version {newest_applied} "
                    f"({applied[newest_applied][0]}), but this rufbereit knows versions up to "
                    f"{newest_known} only: it was used by a newer rufbereit. Install that "
                    "version (or newer) again; do not run an older one against this database."
                )
            for m in known:
                if m.version in applied and applied[m.version][1] != m.checksum:
                    log.warning(
                        "migration file changed after it was applied; the database keeps "
                        "the old version of it",
                        extra={"version": m.version, "migration": m.name},
                    )
            for m in (m for m in known if m.version not in applied):
                t0 = time.monotonic()
                try:
                    async with conn.transaction():
                        await conn.execute(m.sql.encode())
                        await conn.execute(
                            "INSERT INTO schema_migrations (version, name, checksum)"
                            " VALUES (%s, %s, %s)",
                            (m.version, m.name, m.checksum),
                        )
                except Exception as exc:
                    if _is_sql_error(exc):
                        raise MigrationError(
                            f"migration {m.version:04d}_{m.name}.sql failed and was rolled "
                            f"back: {type(exc).__name__}: {exc}"
                        ) from exc
                    raise
                applied_now.append(m.version)
                log.info(
                    "migration applied",
                    extra={
                        "version": m.version,
                        "migration": m.name,
                        "ms": round((time.monotonic() - t0) * 1000, 1),
                    },
                )
        finally:
            if not conn.closed:
                try:
                    await conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
                except Exception:  # the lock goes with the session anyway
                    log.debug("could not release the migration lock", exc_info=True)
    return applied_now


def _is_sql_error(exc: BaseException) -> bool:
    return isinstance(exc, psycopg.Error) and not isinstance(
        exc, psycopg.OperationalError | psycopg.InterfaceError
    )


async def pending_migrations(
    db: Database, migrations: Sequence[Migration] | None = None
) -> list[Migration]:
    """The known migrations not yet applied to the database (read-only; for the doctor).

    Raises :class:`SchemaTooNew` like :func:`migrate` would.
    """
    known = list(migrations) if migrations is not None else load_migrations()
    async with db.connection() as conn:
        cur = await conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL")
        row = await cur.fetchone()
        applied: set[int] = set()
        if row is not None and row[0]:
            cur = await conn.execute("SELECT version FROM schema_migrations")
            applied = {int(r[0]) for r in await cur.fetchall()}
    newest_known = known[-1].version if known else 0
    if max(applied, default=0) > newest_known:
        raise SchemaTooNew(
            f"the database {db.display_url} has schema version {max(applied)}, but this "
            f"rufbereit knows versions up to {newest_known} only: it was used by a newer rufbereit"
        )
    return [m for m in known if m.version not in applied]


async def schema_version(db: Database) -> int:
    """The newest migration applied to the database (0 if none)."""
    async with db.connection() as conn:
        cur = await conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL")
        row = await cur.fetchone()
        if row is None or not row[0]:
            return 0
        cur = await conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations")
        row = await cur.fetchone()
        return int(row[0]) if row is not None else 0
