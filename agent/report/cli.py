"""``rufbereit report``: the daily (or weekly) report, printed or sent.

    rufbereit report                       # today's, as text
    rufbereit report --day 2026-11-23 --send
    rufbereit report --week 2026-11-29 --html bericht.html   # the 7 days up to that day

Exit status 0; 2 when the database cannot be read or the report cannot be sent.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from agent.config import Settings
from agent.storage.database import Database, DatabaseUnavailable

from .service import Report, ReportError, check_sendable, make_report, send_report


def add_report_command(subparsers: Any) -> None:
    p = subparsers.add_parser("report", help="the daily or weekly report: print or send it")
    when = p.add_mutually_exclusive_group()
    when.add_argument("--day", type=date.fromisoformat, help="YYYY-MM-DD (default today)")
    when.add_argument("--week", type=date.fromisoformat, help="the 7 days ending that day")
    p.add_argument("--send", action="store_true", help="e-mail it (smtp, report.to)")
    p.add_argument("--html", type=Path, help="also write the HTML (chart inline) here")
    p.add_argument("--json", action="store_true", help="the figures as JSON")
    p.set_defaults(func=run_report)


def run_report(settings: Settings, args: argparse.Namespace) -> int:
    today = datetime.now(settings.business.tz).date()
    weekly = args.week is not None
    until = args.week or args.day or today
    since = until - timedelta(days=6) if weekly else until

    if args.send:
        try:  # before the database is read: say at once what is missing
            check_sendable(settings)
        except ReportError as exc:
            print(f"rufbereit report: {exc}", file=sys.stderr)
            return 2

    async def go() -> tuple[Report, list[str]]:
        async with Database(settings.database.url, min_size=0, max_size=1) as db:
            report = await make_report(settings, db, since, until, weekly=weekly)
        sent = await send_report(settings, report) if args.send else []
        return report, sent

    try:
        report, sent = asyncio.run(go())
    except (DatabaseUnavailable, ReportError) as exc:
        print(f"rufbereit report: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # the SMTP server refused it, say so plainly
        print(f"rufbereit report: not sent: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    if args.html is not None:
        import base64

        inline = "data:image/png;base64," + base64.b64encode(report.chart_png).decode()
        args.html.write_text(report.rendered.html.replace(f"cid:{report.chart_cid}", inline))
    if args.json:
        print(json.dumps(report.figures.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        print(report.rendered.text, end="")
    if sent:
        print(f"sent to {', '.join(sent)}", file=sys.stderr)
    return 0
