"""CSV export of what calls left: ``rufbereit export leads --since DATE``.

Leads, orders, appointments, messages (call-back requests and messages for the
office) and privacy requests (to answer within a month, DSGVO Art. 12). One row per
lead, per order line (orders), per appointment, message or privacy request; times in the business
time zone as ISO 8601; UTF-8. ``--since`` (and ``--until``) take a date (midnight in
the business time zone) or an ISO date-time.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys
from collections.abc import Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo

from agent.storage.database import Database

if TYPE_CHECKING:
    from agent.config import Settings

KINDS = ("leads", "orders", "appointments", "messages", "privacy")

_QUERIES: dict[str, tuple[Sequence[str], str]] = {
    "leads": (
        ("id", "created_at", "name", "phone", "need", "location", "budget", "urgency",
         "status", "note", "call_id"),
        "SELECT id, created_at, name, phone, need, location, budget, urgency, status, note,"
        " call_id FROM leads WHERE created_at >= %s AND created_at < %s"
        " ORDER BY created_at, id",
    ),
    "messages": (
        ("id", "created_at", "kind", "name", "phone", "text", "reason", "due", "status",
         "call_id"),
        "SELECT id, created_at, kind, name, phone, text, reason, due, status, call_id"
        " FROM messages WHERE created_at >= %s AND created_at < %s ORDER BY created_at, id",
    ),
    "privacy": (
        ("id", "created_at", "kind", "name", "phone", "text", "status", "answer_by",
         "call_id"),
        "SELECT id, created_at, kind, name, phone, text, status,"
        " (created_at + interval '1 month')::date, call_id"
        " FROM privacy_requests WHERE created_at >= %s AND created_at < %s"
        " ORDER BY created_at, id",
    ),
    "orders": (
        ("order_id", "created_at", "name", "phone", "note", "status", "position", "sku",
         "article", "quantity", "unit", "unit_price", "backorder", "call_id"),
        "SELECT o.id, o.created_at, o.name, o.phone, o.note, o.status, l.position, l.sku,"
        " l.name, l.quantity, l.unit, l.unit_price, l.backorder, o.call_id"
        " FROM orders o JOIN order_lines l ON l.order_id = o.id"
        " WHERE o.created_at >= %s AND o.created_at < %s"
        " ORDER BY o.created_at, o.id, l.position",
    ),
    "appointments": (
        ("id", "appointment_type", "start", "end", "name", "phone", "note", "status",
         "created_at", "call_id"),
        "SELECT id, appointment_type, starts_at, ends_at, name, phone, note, status,"
        " created_at, call_id FROM appointments WHERE starts_at >= %s AND starts_at < %s"
        " ORDER BY starts_at, id",
    ),
}  # fmt: skip


def parse_when(text: str, tz: ZoneInfo) -> datetime:
    """A date (midnight in ``tz``) or an ISO date-time (``tz`` when it has none)."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(0), tzinfo=tz)
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date (2026-11-01) or date-time (2026-11-01T08:00)"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=tz)


def _cell(value: Any, tz: ZoneInfo) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(tz).isoformat(timespec="seconds")
    return str(value)


async def export_csv(
    db: Database,
    kind: str,
    out: TextIO,
    *,
    since: datetime,
    until: datetime | None = None,
    tz: ZoneInfo,
    delimiter: str = ",",
) -> int:
    """Write ``kind`` created (appointments: starting) in ``[since, until)`` as CSV to
    ``out``; return the number of rows."""
    header, query = _QUERIES[kind]
    async with db.connection() as conn:
        cur = await conn.execute(query, (since, until or datetime.max.replace(tzinfo=tz)))
        rows = await cur.fetchall()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v, tz) for v in row])
    return len(rows)


def add_export_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``export leads|orders|appointments --since DATE [-o FILE]``."""
    p = subparsers.add_parser(
        "export",
        help="leads, orders, appointments, messages or privacy requests as CSV (CRM/ERP, Excel)",
    )
    p.add_argument("kind", choices=KINDS)
    p.add_argument("--since", required=True, metavar="DATE",
                   help="from this date (YYYY-MM-DD, business time zone) or date-time")  # fmt: skip
    p.add_argument("--until", metavar="DATE", help="before this date or date-time")
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="default: standard output")
    p.add_argument("--delimiter", default=",", choices=[",", ";", "\t"],
                   help="';' suits a German Excel")  # fmt: skip
    p.set_defaults(func=_export)


def _export(settings: Settings, args: argparse.Namespace) -> int:
    tz = settings.business.tz
    try:
        since = parse_when(args.since, tz)
        until = parse_when(args.until, tz) if args.until else None
    except argparse.ArgumentTypeError as exc:
        print(f"rufbereit export: {exc}", file=sys.stderr)
        return 2
    return asyncio.run(_export_async(settings, args, since, until, tz))


async def _export_async(
    settings: Settings,
    args: argparse.Namespace,
    since: datetime,
    until: datetime | None,
    tz: ZoneInfo,
) -> int:
    from agent.storage.database import DatabaseUnavailable

    async with Database(settings.database.url, min_size=1, max_size=1) as db:
        try:
            if args.output is None:
                n = await export_csv(db, args.kind, sys.stdout, since=since, until=until, tz=tz,
                                     delimiter=args.delimiter)  # fmt: skip
            else:
                with args.output.open("w", encoding="utf-8", newline="") as out:
                    n = await export_csv(db, args.kind, out, since=since, until=until, tz=tz,
                                         delimiter=args.delimiter)  # fmt: skip
        except DatabaseUnavailable as exc:
            print(f"rufbereit export: {exc}", file=sys.stderr)
            return 1
    print(f"{n} {args.kind} exported", file=sys.stderr)
    return 0
