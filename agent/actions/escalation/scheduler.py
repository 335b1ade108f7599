"""Retry timers for escalations: APScheduler 3 with its job store in PostgreSQL.

A job is only a reminder ("try attempt N of escalation E at T"); the truth is in the
escalation tables. Job ids are ``escalation:<id>:<attempt>`` and added with
``replace_existing``, so scheduling the same attempt twice leaves one job; running a
job twice (or after the attempt was made) does nothing, because the service claims the
attempt under a row lock. APScheduler deletes a one-shot job when it *starts*, so a
crash mid-job loses it: :meth:`EscalationService.resume_unfinished` re-creates the
timers from the escalation table on every start.

The job store is synchronous (SQLAlchemy): each add or look-up is one short query on
the event loop's thread; there are few escalations, so that is acceptable.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

from apscheduler.jobstores.sqlalchemy import (  # type: ignore[import-untyped]
    SQLAlchemyJobStore,
)
from apscheduler.schedulers.asyncio import AsyncIOScheduler  # type: ignore[import-untyped]

log = logging.getLogger(__name__)

JOB_TABLE = "escalation_jobs"
Runner = Callable[[uuid.UUID, int], Awaitable[None]]

# Jobs are stored by reference to this module's function; it finds the running service
# here (one escalation service per process).
_runner: Runner | None = None


async def run_attempt_job(escalation_id: str, attempt_no: int) -> None:
    """The stored job: hand the attempt to this process's escalation service."""
    runner = _runner
    if runner is None:
        log.warning(
            "escalation timer fired without a running service",
            extra={"escalation_id": escalation_id},
        )
        return
    await runner(uuid.UUID(escalation_id), attempt_no)


def sqlalchemy_url(database_url: str) -> str:
    """``postgresql://...`` as SQLAlchemy's psycopg 3 URL."""
    parts = urlsplit(database_url)
    scheme = parts.scheme.split("+", 1)[0]
    if scheme in ("postgres", "postgresql"):
        return urlunsplit(("postgresql+psycopg", *parts[1:]))
    return database_url


def job_id(escalation_id: uuid.UUID, attempt_no: int) -> str:
    return f"escalation:{escalation_id}:{attempt_no}"


class EscalationScheduler:
    def __init__(self, database_url: str, *, table: str = JOB_TABLE) -> None:
        self._store = SQLAlchemyJobStore(
            url=sqlalchemy_url(database_url),
            tablename=table,
            engine_options={"pool_pre_ping": True},
        )
        self._scheduler = AsyncIOScheduler(
            jobstores={"default": self._store},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )

    def start(self, runner: Runner) -> None:
        """Start the timers (in the running event loop); jobs call ``runner``."""
        global _runner
        _runner = runner
        self._scheduler.start()

    def shutdown(self) -> None:
        global _runner
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        _runner = None
        self._store.engine.dispose()

    def schedule(self, escalation_id: uuid.UUID, attempt_no: int, at: datetime) -> None:
        """Run attempt ``attempt_no`` at ``at`` (at once if past); idempotent."""
        self._scheduler.add_job(
            run_attempt_job,
            trigger="date",
            run_date=at,
            args=[str(escalation_id), attempt_no],
            id=job_id(escalation_id, attempt_no),
            name="escalation attempt",
            replace_existing=True,
        )
        log.info(
            "escalation attempt scheduled",
            extra={
                "escalation_id": str(escalation_id),
                "attempt": attempt_no,
                "at": at.isoformat(),
            },
        )

    def pending(self) -> list[str]:
        return [str(job.id) for job in self._scheduler.get_jobs()]
