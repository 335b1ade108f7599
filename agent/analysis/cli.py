"""``rufbereit analyse``: what the missed calls cost, from the PBX's call records.

    rufbereit analyse                                  # cdr.csv of the configuration, all days
    rufbereit analyse --cdr Master.csv --from 2026-06-01 --to 2026-08-31 --json
    rufbereit analyse --cdr-db postgresql://asterisk@pbx/asterisk --from … --to …
    rufbereit analyse --cdr Master.csv --go-live 2026-09-01 --report analyse.html

Prints the figures (or ``--json``), the expected gain when the owner's numbers are known
(the profile's ``business.economics`` or the options), and with ``--go-live`` (or
``--before``/``--after``) the before/after table. ``--report`` writes the one-page HTML
report with its charts. Exit status 0, or 2 when the records cannot be read.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from agent.config import Settings
from agent.profile import Economics

from .calls import Call, CallRules, rebuild_calls
from .cdr import CdrBatch, CdrError, read_cdr_csv, read_cdr_database
from .cel import read_cel_links
from .compare import Comparison, compare
from .figures import Figures, count
from .gain import Gain, expected_gain


def add_analyse_command(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "analyse",
        aliases=["analyze"],
        help="calls answered and missed, from the PBX's call detail records (CDR)",
    )
    src = p.add_argument_group("records")
    src.add_argument("--cdr", type=Path, action="append", help="Master.csv (repeatable)")
    src.add_argument("--cdr-db", metavar="URL", help="a CDR table: postgresql://… or mysql://…")
    src.add_argument("--cdr-table", help="the CDR table's name (default cdr)")
    src.add_argument("--cel", type=Path, help="CEL file (cel_custom): ties Local channel legs")
    src.add_argument("--cdr-timezone", help="zone of the CDR's times (UTC with usegmtime=yes)")
    src.add_argument("--internal", help="regular expression of the business's extensions")
    p.add_argument("--from", dest="since", type=date.fromisoformat, help="first day, YYYY-MM-DD")
    p.add_argument("--to", dest="until", type=date.fromisoformat, help="last day (inclusive)")
    econ = p.add_argument_group("the owner's numbers (default: business.economics)")
    econ.add_argument("--order-value", type=float, help="average order value")
    econ.add_argument("--close-rate", type=float, help="share of enquiries won, 0..1")
    econ.add_argument("--new-customers", type=float, help="share of new customers, 0..1")
    econ.add_argument("--monthly-cost", type=float, help="the assistant's monthly cost")
    cmp = p.add_argument_group("before and after")
    cmp.add_argument("--go-live", type=date.fromisoformat, help="the assistant's first day")
    cmp.add_argument("--before", type=_span, metavar="FROM:TO", help="the period before")
    cmp.add_argument("--after", type=_span, metavar="FROM:TO", help="the period after")
    p.add_argument("--json", action="store_true", help="the figures as JSON")
    p.add_argument("--calls", action="store_true", help="with --json: every inbound call too")
    p.add_argument("--report", type=Path, help="write the one-page HTML report here")
    p.set_defaults(func=run_analyse)


def _span(text: str) -> tuple[date, date]:
    try:
        first, last = (date.fromisoformat(part) for part in text.split(":", 1))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: FROM:TO, e.g. 2026-06-01:2026-08-31") from None
    if last < first:
        raise argparse.ArgumentTypeError(f"{text!r}: TO is before FROM")
    return first, last


def run_analyse(settings: Settings, args: argparse.Namespace) -> int:
    business = settings.business
    cdr_tz = ZoneInfo(args.cdr_timezone or settings.cdr.timezone or business.timezone)
    try:
        rules = CallRules(
            internal=re.compile(args.internal or settings.cdr.internal_numbers),
            assistant_app=settings.ari.app,
        )
    except re.error as exc:
        print(f"rufbereit analyse: --internal is not a regular expression: {exc}", file=sys.stderr)
        return 2
    try:
        batch = _read(settings, args, cdr_tz)
        cel: Path | None = args.cel or settings.cdr.cel_csv
        links = read_cel_links(cel) if cel is not None else {}
    except CdrError as exc:
        print(f"rufbereit analyse: {exc}", file=sys.stderr)
        return 2
    calls = rebuild_calls(batch.records, rules, links)
    if not calls:
        print("rufbereit analyse: the records hold no calls", file=sys.stderr)
        return 2
    tz = business.tz
    since = args.since or min(c.started_at.astimezone(tz).date() for c in calls)
    until = args.until or max(c.started_at.astimezone(tz).date() for c in calls)
    if until < since:
        print("rufbereit analyse: --to is before --from", file=sys.stderr)
        return 2
    figures = count(
        calls,
        tz=tz,
        since=since,
        until=until,
        is_open=business.is_open,
        unreadable_rows=len(batch.unreadable),
    )
    assumptions, missing = _assumptions(settings, args)
    comparison = _comparison(settings, args, calls, since, until)
    # With the assistant live, what it wins back is measured on the calls missed before it.
    basis = comparison.before if comparison else figures
    gain = expected_gain(basis.missed, basis.days, assumptions) if assumptions else None

    if args.report is not None:
        _write_report(settings, figures, gain, missing, comparison, args.report)
    if args.json:
        out: dict[str, Any] = figures.model_dump(mode="json")
        out["gain"] = gain.model_dump(mode="json") if gain else None
        out["comparison"] = comparison.model_dump(mode="json") if comparison else None
        if args.calls:
            out["calls"] = [
                _call_json(c)
                for c in calls
                if c.direction == "inbound" and since <= c.started_at.astimezone(tz).date() <= until
            ]
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        from .text import summary

        print(summary(business.name, business.language, figures, gain, missing, comparison))
    for line, why in batch.unreadable[:5]:
        print(f"rufbereit analyse: row {line} not read: {why}", file=sys.stderr)
    return 0


def _read(settings: Settings, args: argparse.Namespace, tz: ZoneInfo) -> CdrBatch:
    url = args.cdr_db or (
        settings.cdr.database_url.get_secret_value() if settings.cdr.database_url else None
    )
    if url and not args.cdr:
        since = args.since or date.today() - timedelta(days=90)
        until = args.until or date.today()
        return read_cdr_database(url, tz, since, until, table=args.cdr_table or settings.cdr.table)
    batch = CdrBatch()
    for path in args.cdr or [settings.cdr.csv]:
        batch.extend(read_cdr_csv(path, tz))
    return batch


def _assumptions(settings: Settings, args: argparse.Namespace) -> tuple[Economics | None, str]:
    base = settings.business.economics
    given = {
        "average_order_value": args.order_value,
        "close_rate": args.close_rate,
        "new_customer_share": args.new_customers,
        "assistant_monthly_cost": args.monthly_cost,
    }
    values: dict[str, Any] = base.model_dump() if base else {}
    values.update({k: v for k, v in given.items() if v is not None})
    needed = ("average_order_value", "close_rate", "new_customer_share")
    absent = [k for k in needed if k not in values]
    if absent:
        return None, (
            "set business.economics in the profile, or --order-value, --close-rate and "
            f"--new-customers (missing: {', '.join(absent)})"
        )
    try:
        return Economics(**values), ""
    except ValueError as exc:
        return None, f"the owner's numbers are not valid: {exc}"


def _comparison(
    settings: Settings, args: argparse.Namespace, calls: list[Call], since: date, until: date
) -> Comparison | None:
    go_live = args.go_live or settings.cdr.go_live
    if args.before and args.after:
        before, after = args.before, args.after
    elif go_live is not None and since < go_live <= until:
        before, after = (since, go_live - timedelta(days=1)), (go_live, until)
    else:
        return None
    return compare(
        calls,
        tz=settings.business.tz,
        before=before,
        after=after,
        is_open=settings.business.is_open,
        records_url=settings.database.url,
    )


def _write_report(
    settings: Settings,
    figures: Figures,
    gain: Gain | None,
    missing: str,
    comparison: Comparison | None,
    path: Path,
) -> None:
    from .page import ReportInput, render_report

    html = render_report(
        ReportInput(
            business=settings.business.name,
            language=settings.business.language,
            figures=figures,
            gain=gain,
            gain_missing=missing or None,
            gain_before_go_live=comparison is not None,
            comparison=comparison,
            made_on=date.today(),
        )
    )
    path.write_text(html, encoding="utf-8")
    print(f"rufbereit analyse: report written to {path}", file=sys.stderr)


def _call_json(c: Call) -> dict[str, Any]:
    return {
        "caller": c.caller,
        "dialled": c.dialled,
        "started_at": c.started_at.isoformat(),
        "outcome": c.outcome,
        "missed_reason": c.missed_reason,
        "handed_over": c.handed_over,
        "repeated": c.repeated,
        "legs": len(c.records),
    }
