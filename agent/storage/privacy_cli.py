"""``rufbereit privacy``: a caller's data exported or erased, retention run by hand, and
the privacy requests callers made by phone.

    rufbereit privacy export +4917612345678 --out ./auskunft   # caller.json + CSV files
    rufbereit privacy erase +4917612345678                     # shows what would go
    rufbereit privacy erase +4917612345678 --yes               # deletes it everywhere
    rufbereit privacy retention [--dry-run]                    # the daily job, now
    rufbereit privacy requests                                 # requests taken by phone

Exit status 0, 1 when the caller has no data or ``--yes`` is missing, 2 on errors.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

from agent.config import Settings

from .database import Connection, Database, DatabaseUnavailable
from .privacy import (
    CallerData,
    PrivacyError,
    delivered_elsewhere,
    erase_caller,
    erase_from_spool,
    export_caller,
    find_caller,
    plain,
    spool_lock,
    spool_segments,
)
from .retention import DELETES, apply_retention

log = logging.getLogger(__name__)


def add_privacy_commands(subparsers: Any) -> None:
    p = subparsers.add_parser("privacy", help="a caller's data: export, erase; retention")
    sub = p.add_subparsers(metavar="ACTION", required=True)
    ex = sub.add_parser("export", help="everything stored about a caller (JSON and CSV)")
    ex.add_argument("number")
    ex.add_argument("--out", type=Path, help="folder (default ./rufbereit-export-<digits>)")
    ex.set_defaults(func=run_export)
    er = sub.add_parser("erase", help="delete everything stored about a caller")
    er.add_argument("number")
    er.add_argument("--yes", action="store_true", help="really delete (without: show only)")
    er.set_defaults(func=run_erase)
    rt = sub.add_parser("retention", help="delete what the profile's retention says is due")
    rt.add_argument("--dry-run", action="store_true", help="count only")
    rt.set_defaults(func=run_retention)
    rq = sub.add_parser("requests", help="privacy requests callers made by phone")
    rq.add_argument("--json", action="store_true")
    rq.set_defaults(func=run_requests)


@contextlib.asynccontextmanager
async def _connection(settings: Settings) -> AsyncIterator[Connection]:
    """One connection of its own (the command's, beside a running agent's pool)."""
    async with (
        Database(settings.database.url, min_size=0, max_size=1) as db,
        db.connection() as conn,
    ):
        yield conn


def _fail(message: str) -> int:
    print(f"rufbereit privacy: {message}", file=sys.stderr)
    return 2


def _summary(data: CallerData) -> str:
    parts = [f"{table} {len(rows)}" for table, rows in data.tables.items() if rows]
    return ", ".join(parts) or "nothing"


def run_export(settings: Settings, args: argparse.Namespace) -> int:
    async def go() -> CallerData:
        async with _connection(settings) as conn:
            return await find_caller(conn, args.number)

    try:
        data = asyncio.run(go())
    except (PrivacyError, DatabaseUnavailable) as exc:
        return _fail(str(exc))
    if not data.total:
        print(f"nothing stored about {args.number}")
        return 1
    out = args.out or Path(f"rufbereit-export-{data.national}")
    files = export_caller(data, out)
    log.info("privacy export", extra={"rows": data.total, "files": len(files)})
    print(f"{data.total} rows ({_summary(data)}) written to {out}/: "
          + ", ".join(f.name for f in files))  # fmt: skip
    return 0


def run_erase(settings: Settings, args: argparse.Namespace) -> int:
    spool_dir = settings.database.spool_dir

    async def go() -> tuple[CallerData, dict[str, int], int]:
        async with _connection(settings) as conn, conn.transaction():
            data = await find_caller(conn, args.number)
            with spool_lock(spool_dir) as ours:
                if not ours and spool_segments(spool_dir):
                    raise PrivacyError(
                        "the running agent is still writing call records from its spool "
                        f"({spool_dir}) to the database; run this again in a minute"
                    )
                if not args.yes:
                    return data, {}, 0
                deleted = await erase_caller(conn, data)
                spooled = erase_from_spool(spool_dir, data.national) if ours else 0
            return data, deleted, spooled

    try:
        data, deleted, spooled = asyncio.run(go())
    except (PrivacyError, DatabaseUnavailable) as exc:
        return _fail(str(exc))
    if not data.total and not spooled:
        print(f"nothing stored about {args.number}")
        return 1
    if not args.yes:
        print(f"would delete: {_summary(data)}. Add --yes to delete.")
        return 1
    elsewhere = delivered_elsewhere(data)
    log.info("privacy erase", extra={"deleted": deleted, "spool_lines": spooled})
    print(f"deleted: {', '.join(f'{t} {n}' for t, n in deleted.items()) or 'nothing'}"
          + (f"; {spooled} spooled records" if spooled else ""))  # fmt: skip
    if elsewhere:
        print(f"note: {elsewhere} copies were already delivered to other systems (CRM "
              "webhook, e-mail/SMS notices): erase them there too")  # fmt: skip
    return 0


def run_retention(settings: Settings, args: argparse.Namespace) -> int:
    retention = settings.business.retention

    async def go() -> dict[str, int]:
        async with _connection(settings) as conn, conn.transaction():
            now = datetime.now(settings.business.tz)
            return await apply_retention(conn, retention, now, dry_run=args.dry_run)

    try:
        done = asyncio.run(go())
    except DatabaseUnavailable as exc:
        return _fail(str(exc))
    verb = "due" if args.dry_run else "deleted"
    for kind, n in done.items():
        days = getattr(retention, DELETES[kind][0])
        print(f"{kind:<12} older than {days} days: {n} {verb}")
    return 0


def run_requests(settings: Settings, args: argparse.Namespace) -> int:
    async def go() -> list[dict[str, Any]]:
        async with _connection(settings) as conn:
            cur = await conn.execute(
                "SELECT created_at, kind, name, phone, text, status, answered_at"
                " FROM privacy_requests ORDER BY created_at DESC"
            )
            names = [d.name for d in cur.description or ()]
            return [dict(zip(names, r, strict=True)) for r in await cur.fetchall()]

    try:
        rows = asyncio.run(go())
    except DatabaseUnavailable as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps([{k: plain(v) for k, v in r.items()} for r in rows], ensure_ascii=False))
        return 0
    for r in rows:
        due = r["created_at"].date().isoformat()
        print(f"{due}  {r['kind']:<10} {r['status']:<8} {r['name'] or '-'}  {r['phone'] or '-'}"
              f"  {r['text'][:60]}")  # fmt: skip
    print(f"{len(rows)} requests (answer within a month: DSGVO Art. 12(3))")
    return 0
