"""Records are kept only as long as the profile says (``business.retention``): a daily job
deletes what is due. Appointments, orders and privacy requests are business records the
owner must keep (bookkeeping, accountability) and are not deleted here."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from agent.profile import Retention

from .database import Connection, Database

log = logging.getLogger(__name__)

# kind -> (setting, the DELETE of rows older than the cut-off)
DELETES: dict[str, tuple[str, str]] = {
    "transcripts": ("transcripts_days", "DELETE FROM call_events WHERE at < %s"),
    "calls": (
        "calls_days",
        "DELETE FROM calls WHERE coalesce(ended_at, started_at, created_at) < %s",
    ),
    "leads": (
        "leads_days",
        "WITH gone AS (DELETE FROM leads WHERE created_at < %s RETURNING id)"
        " DELETE FROM outbox WHERE id IN (SELECT id FROM gone)"
        " OR payload->>'id' IN (SELECT id::text FROM gone)",
    ),
    "messages": ("messages_days", "DELETE FROM messages WHERE created_at < %s"),
    "console_logins": ("console_logins_days", "DELETE FROM console_logins WHERE at < %s"),
    "console_audit": ("console_audit_days", "DELETE FROM console_audit WHERE at < %s"),
}
COUNTS: dict[str, str] = {
    "transcripts": "SELECT count(*) FROM call_events WHERE at < %s",
    "calls": "SELECT count(*) FROM calls WHERE coalesce(ended_at, started_at, created_at) < %s",
    "leads": "SELECT count(*) FROM leads WHERE created_at < %s",
    "messages": "SELECT count(*) FROM messages WHERE created_at < %s",
    "console_logins": "SELECT count(*) FROM console_logins WHERE at < %s",
    "console_audit": "SELECT count(*) FROM console_audit WHERE at < %s",
}


async def apply_retention(
    conn: Connection, retention: Retention, now: datetime, *, dry_run: bool = False
) -> dict[str, int]:
    """Delete (or with ``dry_run`` count) what is older than each kind's days. Returns the
    rows per kind (leads: the leads; their deliveries in the outbox go with them)."""
    done: dict[str, int] = {}
    for kind, (setting, delete) in DELETES.items():
        days: int | None = getattr(retention, setting)
        if days is None:
            continue
        cutoff = now - timedelta(days=days)
        cur = await conn.execute(COUNTS[kind], (cutoff,))
        row = await cur.fetchone()
        done[kind] = int(row[0]) if row else 0
        if not dry_run and done[kind]:
            await conn.execute(delete, (cutoff,))
    if not dry_run:  # sessions past their end are no record of anything
        await conn.execute("DELETE FROM console_sessions WHERE expires_at < %s", (now,))
    return done


class RetentionJob:
    """Runs :func:`apply_retention` every day at ``retention.run_at`` (local time), with
    APScheduler's cron trigger; a run the machine slept through is made up once."""

    def __init__(self, db: Database, retention: Retention, tz: Any) -> None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler  # type: ignore[import-untyped]
        from apscheduler.triggers.cron import CronTrigger  # type: ignore[import-untyped]

        self._db = db
        self._retention = retention
        self._tz = tz
        hour, minute = (int(x) for x in retention.run_at.split(":"))
        self._scheduler = AsyncIOScheduler(
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 6 * 3600}
        )
        self._scheduler.add_job(
            self.run_once, CronTrigger(hour=hour, minute=minute, timezone=tz),
            id="retention", name="retention",
        )  # fmt: skip

    def start(self) -> None:
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    async def run_once(self) -> dict[str, int]:
        try:
            async with self._db.connection() as conn, conn.transaction():
                done = await apply_retention(conn, self._retention, datetime.now(self._tz))
        except Exception:
            log.exception("retention: old records not deleted (is the database up?)")
            return {}
        log.info("retention: old records deleted", extra={"deleted": done})
        return done
