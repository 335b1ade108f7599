"""Versioned migrations against the real lab PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path

import psycopg
import pytest

from agent.storage import (
    CallLog,
    Database,
    Migration,
    MigrationError,
    SchemaTooNew,
    load_migrations,
    migrate,
)
from agent.storage.migrations import schema_version

pytestmark = pytest.mark.postgres


def _tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
    return {r[0] for r in rows}


def test_shipped_migrations_are_numbered_from_one() -> None:
    migrations = load_migrations()
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))
    assert migrations[0].name == "calls"


async def test_migrations_apply_once_and_rerun_is_a_noop(pg_database: str) -> None:
    async with Database(pg_database) as db:
        assert await schema_version(db) == 0
        applied = await migrate(db)
        assert applied == [m.version for m in load_migrations()]
        assert {"schema_migrations", "calls", "call_events"} <= _tables(pg_database)
        assert await migrate(db) == []
        assert await schema_version(db) == applied[-1]
    with psycopg.connect(pg_database) as conn:
        rows = conn.execute("SELECT version, name FROM schema_migrations").fetchall()
    assert rows == [(m.version, m.name) for m in load_migrations()]


async def test_two_processes_migrating_at_once_apply_each_migration_once(
    pg_database: str,
) -> None:
    async with Database(pg_database) as a, Database(pg_database) as b:
        results = await asyncio.gather(migrate(a), migrate(b))
    versions = [m.version for m in load_migrations()]
    assert sorted(results, key=len) == [[], versions]


async def test_newer_schema_is_refused_with_a_clear_message(pg_database: str) -> None:
    async with Database(pg_database) as db:
        await migrate(db)
        with psycopg.connect(pg_database, autocommit=True) as conn:
            conn.execute(
                "INSERT INTO schema_migrations (version, name, checksum)"
                " VALUES (9999, 'from_the_future', 'x')"
            )
        with pytest.raises(SchemaTooNew) as err:
            await migrate(db)
        message = str(err.value)
        assert "9999" in message and "newer rufbereit" in message
        known = load_migrations()[-1].version
        assert f"up to {known}" in message


async def test_call_log_refuses_to_start_on_a_newer_schema(
    pg_database: str, tmp_path: Path
) -> None:
    async with Database(pg_database) as db:
        await migrate(db)
        with psycopg.connect(pg_database, autocommit=True) as conn:
            conn.execute(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, 'x', 'x')"
            )
        log = CallLog(db, tmp_path / "spool")
        with pytest.raises(SchemaTooNew):
            await log.start()
        spooled = CallLog(db, tmp_path / "spool")  # the spool is free again ...
        (tmp_path / "spool" / "segment-0000000001.jsonl").write_text("{}\n")
        with pytest.raises(SchemaTooNew):  # ... and a backlog does not skip the check
            await spooled.start()


async def test_a_failing_migration_is_rolled_back_and_named(pg_database: str) -> None:
    good = load_migrations()
    n = good[-1].version
    bad = Migration(n + 1, "broken", "CREATE TABLE half_done (x int);\nSELECT no_such_column;")
    async with Database(pg_database) as db:
        with pytest.raises(MigrationError, match=rf"{n + 1:04d}_broken\.sql failed"):
            await migrate(db, [*good, bad])
        assert await schema_version(db) == n
    assert "half_done" not in _tables(pg_database)


def test_migration_files_must_be_well_named(tmp_path: Path) -> None:
    (tmp_path / "0001_ok.sql").write_text("SELECT 1;")
    (tmp_path / "2_bad.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="NNNN_lowercase_name"):
        load_migrations(tmp_path)
    (tmp_path / "2_bad.sql").unlink()
    (tmp_path / "0001_again.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="two migration files have version 1"):
        load_migrations(tmp_path)
