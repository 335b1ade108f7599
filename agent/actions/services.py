"""Wiring of the action back-ends for the app: one object that builds the calendar, the
record store and the notifiers from the settings, and runs the background workers.

    services = ActionServices.create(db, profile, clock, caldav=settings.caldav,
                                     smtp=settings.smtp, sms=settings.sms,
                                     webhook=settings.webhook, reminders=settings.reminders)
    task = asyncio.create_task(services.run(stop))   # outbox, notices, CalDAV re-sync
    ... dialogue uses services.calendar and services.records ...
    stop.set(); await task; await services.close()

Every section is optional: without ``caldav`` the calendar is PostgreSQL alone; without
``webhook`` leads/orders are stored but not queued; without ``smtp``/``sms`` no notices.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from agent.profile import BusinessProfile
from agent.storage.database import Database, DatabaseUnavailable

from .caldav_calendar import CalDavCalendar
from .calendar import Calendar, Clock
from .calendar_pg import PostgresCalendar
from .notify_mail import MailNotifier
from .notify_sms import SmsNotifier
from .notifying_calendar import NotifyingCalendar
from .outbox import OutboxRecordStore, OutboxWorker
from .records import RecordStore
from .records_pg import PostgresRecordStore
from .reminders import AppointmentNotices, NoticeSweeper, Notifier, reminder_leads
from .settings import CalDavSettings, ReminderSettings, SmsSettings, SmtpSettings, WebhookSettings

log = logging.getLogger(__name__)
CALDAV_SYNC_S = 60.0


@dataclass
class ActionServices:
    calendar: Calendar
    records: RecordStore
    outbox: OutboxWorker | None = None
    sweeper: NoticeSweeper | None = None
    caldav: CalDavCalendar | None = None
    base: PostgresCalendar | None = None  # the bookings themselves (slots, opening hours)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def use_profile(self, profile: BusinessProfile) -> None:
        """Offer slots by the changed opening hours and holidays from now on."""
        if self.base is not None:
            self.base.use_profile(profile)

    @classmethod
    def create(
        cls,
        db: Database,
        profile: BusinessProfile,
        clock: Clock,
        *,
        caldav: CalDavSettings | None = None,
        smtp: SmtpSettings | None = None,
        sms: SmsSettings | None = None,
        webhook: WebhookSettings | None = None,
        reminders: ReminderSettings | None = None,
    ) -> ActionServices:
        base = PostgresCalendar(db, profile, clock)
        dav = CalDavCalendar(base, db, profile, caldav, clock) if caldav else None
        calendar: Calendar = dav or base
        notifiers: dict[str, Notifier] = {}
        if smtp is not None:
            notifiers["email"] = MailNotifier(smtp)
        if sms is not None:
            notifiers["sms"] = SmsNotifier(sms)
        sweeper = None
        if notifiers:
            rs = reminders or ReminderSettings()
            sweeper = NoticeSweeper(db, profile, notifiers, rs)
            notices = AppointmentNotices(
                db,
                leads=reminder_leads(rs),
                channels=[c for c in rs.channels if c in notifiers],
                on_queued=sweeper.notify,
            )
            calendar = NotifyingCalendar(calendar, notices, language=profile.language)
        outbox = OutboxWorker(db, webhook) if webhook is not None else None
        records: RecordStore = (
            OutboxRecordStore(db, on_queued=outbox.notify) if outbox else PostgresRecordStore(db)
        )
        return cls(calendar, records, outbox, sweeper, dav, base)

    async def _caldav_sync(self, stop: asyncio.Event) -> None:
        assert self.caldav is not None
        while not stop.is_set():
            try:
                await self.caldav.sync()
            except DatabaseUnavailable as exc:
                log.warning("CalDAV re-sync: database unavailable", extra={"error": str(exc)})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), CALDAV_SYNC_S)

    async def run(self, stop: asyncio.Event) -> None:
        """Run the outbox worker, the notice sweeper and the CalDAV re-sync until ``stop``."""
        jobs = []
        if self.outbox is not None:
            jobs.append(self.outbox.run(stop))
        if self.sweeper is not None:
            jobs.append(self.sweeper.run(stop))
        if self.caldav is not None:
            jobs.append(self._caldav_sync(stop))
        log.info("action workers started", extra={"workers": len(jobs)})
        await asyncio.gather(*jobs)

    async def close(self) -> None:
        if self.outbox is not None:
            await self.outbox.close()
