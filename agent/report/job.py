"""The reports sent on their own: the day's at ``report.daily_at``, the last week's on
``report.weekly_on`` at ``report.weekly_at`` (APScheduler's cron trigger, local time)."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from agent.config import Settings
from agent.storage.database import Database

from .service import make_report, send_report

log = logging.getLogger(__name__)


class ReportJob:
    def __init__(self, settings: Settings, db: Database) -> None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler  # type: ignore[import-untyped]
        from apscheduler.triggers.cron import CronTrigger  # type: ignore[import-untyped]

        self._settings = settings
        self._db = db
        tz = settings.business.tz
        self._scheduler = AsyncIOScheduler(
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3 * 3600}
        )
        r = settings.report
        if r.daily_at:
            hour, minute = (int(x) for x in r.daily_at.split(":"))
            self._scheduler.add_job(
                self.send_day, CronTrigger(hour=hour, minute=minute, timezone=tz), id="report-daily"
            )
        if r.weekly_on:
            hour, minute = (int(x) for x in r.weekly_at.split(":"))
            self._scheduler.add_job(
                self.send_week,
                CronTrigger(day_of_week=r.weekly_on, hour=hour, minute=minute, timezone=tz),
                id="report-weekly",
            )

    @property
    def enabled(self) -> bool:
        return self._settings.smtp is not None and bool(
            self._settings.report.to or self._settings.business.email
        )

    def start(self) -> None:
        if self.enabled:
            self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    async def send_day(self) -> None:
        today = datetime.now(self._settings.business.tz).date()
        await self._send(today, today, weekly=False)

    async def send_week(self) -> None:
        today = datetime.now(self._settings.business.tz).date()
        await self._send(today - timedelta(days=7), today - timedelta(days=1), weekly=True)

    async def _send(self, since: date, until: date, *, weekly: bool) -> None:
        try:
            report = await make_report(self._settings, self._db, since, until, weekly=weekly)
            await send_report(self._settings, report)
        except Exception:
            log.exception("report not sent", extra={"weekly": weekly})
