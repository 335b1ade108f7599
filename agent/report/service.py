"""A report made and sent: figures from PostgreSQL, chart, text and HTML, e-mail."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from agent.actions.notify_mail import MailNotifier
from agent.config import Settings
from agent.storage.database import Database

from .chart import calls_per_hour
from .figures import ReportFigures, count_period
from .mail import compose, new_cid
from .render import Rendered, render

log = logging.getLogger(__name__)


class ReportError(Exception):
    """The report cannot be sent (no SMTP, no recipient): the message says what to set."""


@dataclass(frozen=True)
class Report:
    figures: ReportFigures
    rendered: Rendered
    chart_png: bytes
    chart_cid: str


async def make_report(
    settings: Settings, db: Database, since: date, until: date, *, weekly: bool = False
) -> Report:
    b = settings.business
    async with db.connection() as conn:
        figures = await count_period(
            conn, since, until, tz=b.tz, is_open=b.is_open, economics=b.economics
        )
    cid = new_cid()
    rendered = render(figures, b.name, b.language, weekly=weekly, chart_cid=cid)
    return Report(figures, rendered, calls_per_hour(figures, b.language), cid)


def recipients(settings: Settings) -> list[str]:
    to = settings.report.to or ([settings.business.email] if settings.business.email else [])
    if not to:
        raise ReportError("no recipient: set report.to (or business.email) in the profile")
    return to


def check_sendable(settings: Settings) -> list[str]:
    """The recipients; ReportError naming the setting when there is no way to send."""
    if settings.smtp is None:
        raise ReportError("no SMTP server: set smtp.host and smtp.sender (RUFBEREIT_SMTP_*)")
    return recipients(settings)


async def send_report(settings: Settings, report: Report) -> list[str]:
    to = check_sendable(settings)
    assert settings.smtp is not None
    notifier = MailNotifier(settings.smtp)
    await notifier.deliver(
        compose(notifier, to, report.rendered, report.chart_png, report.chart_cid)
    )
    log.info(
        "report sent",
        extra={
            "since": str(report.figures.since),
            "until": str(report.figures.until),
            "recipients": len(to),
        },
    )
    return to
