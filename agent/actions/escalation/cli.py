"""``rufbereit oncall now`` and ``rufbereit escalations``: the on-call rota and the
escalations with their attempts, for the admin and the business owner.

:func:`add_escalation_commands` adds both to the ``rufbereit`` parser; each command is
called as ``func(settings, args)`` and returns the exit status (0 fine, 1 the database
cannot be read, 2 no on-call rota configured).
"""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from agent.config import Settings
from agent.storage.database import Database, DatabaseUnavailable

from .model import Attempt, EscalationRecord
from .rota import call_order, on_call_now
from .state import OPEN
from .store import EscalationStore

__all__ = ["add_escalation_commands"]

RECENT = timedelta(hours=24)


def add_escalation_commands(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Add ``oncall now`` and ``escalations`` to the ``rufbereit`` command line."""
    oncall = subparsers.add_parser("oncall", help="the on-call rota")
    oncall_sub = oncall.add_subparsers(metavar="ONCALL_COMMAND")
    oncall.set_defaults(func=lambda _s, _a: _help(oncall))
    now = oncall_sub.add_parser("now", help="who is on call now, and whom the escalation calls")
    now.add_argument(
        "--at",
        type=datetime.fromisoformat,
        metavar="ISO",
        help="another moment, e.g. 2026-12-24T22:00 (local time)",
    )
    now.add_argument("--json", action="store_true", help="machine-readable output")
    now.set_defaults(func=_oncall_now)

    esc = subparsers.add_parser("escalations", help="open and recent emergency escalations")
    esc.add_argument("--all", action="store_true", help="also older, closed escalations")
    esc.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    esc.add_argument("--json", action="store_true", help="machine-readable output")
    esc.set_defaults(func=_escalations)


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _oncall_now(settings: Settings, args: argparse.Namespace) -> int:
    on_call = settings.business.on_call
    if on_call is None:
        print("no on-call rota configured (business profile: on_call)")
        return 2
    tz = ZoneInfo(settings.business.timezone)
    at: datetime = args.at or datetime.now(UTC)
    person = on_call_now(on_call, at, tz)
    order = call_order(on_call, at, tz)
    if args.json:
        data = {
            "at": (at if at.tzinfo else at.replace(tzinfo=tz)).isoformat(),
            "on_call": person.model_dump() if person else None,
            "call_order": [p.model_dump() for p in order],
        }
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    when = at.astimezone(tz) if at.tzinfo else at
    if person is None:
        print(f"{when:%a %Y-%m-%d %H:%M}: nobody on call (the rota has a gap)")
    else:
        print(f"{when:%a %Y-%m-%d %H:%M}: {person.name} ({person.phone})")
    print("call order: " + ", ".join(p.name for p in order))
    return 0


def _escalations(settings: Settings, args: argparse.Namespace) -> int:
    try:
        rows = asyncio.run(_load(settings.database.url.get_secret_value(), args))
    except DatabaseUnavailable as exc:
        print(f"rufbereit: {exc}")
        return 1
    if args.json:
        print(
            json.dumps([_as_dict(r, a) for r, a in rows], indent=2, ensure_ascii=False, default=str)
        )
        return 0
    if not rows:
        print("no open or recent escalations" if not args.all else "no escalations")
    tz = ZoneInfo(settings.business.timezone)
    for rec, attempts in rows:
        who = f" by {rec.acknowledged_by}" if rec.acknowledged_by else ""
        joined = f", {rec.joined_calls} more call(s)" if rec.joined_calls else ""
        e = rec.emergency
        print(
            f"{rec.created_at.astimezone(tz):%Y-%m-%d %H:%M}  {rec.state.value}{who}  "
            f"{e.kind}  {e.address or e.caller_number}  [{rec.id}]{joined}"
        )
        for a in attempts:
            end = a.outcome.value if a.outcome else "running"
            print(
                f"    #{a.attempt_no + 1} {a.started_at.astimezone(tz):%H:%M:%S} "
                f"{a.person} ({a.phone}): {end} {a.detail}".rstrip()
            )
        if rec.next_attempt_at:
            print(f"    next call at {rec.next_attempt_at.astimezone(tz):%H:%M:%S}")
    return 0


async def _load(url: str, args: argparse.Namespace) -> list[tuple[EscalationRecord, list[Attempt]]]:
    async with Database(url, min_size=1, max_size=2) as db:
        store = EscalationStore(db)
        records = await store.recent(limit=args.limit)
        since = datetime.now(UTC) - RECENT
        if not args.all:
            records = [r for r in records if r.state in OPEN or r.created_at >= since]
        return [(r, await store.attempts(r.id)) for r in records]


def _as_dict(rec: EscalationRecord, attempts: list[Attempt]) -> dict[str, Any]:
    data: dict[str, Any] = {k: getattr(rec, k) for k in EscalationRecord.__dataclass_fields__}
    data["state"] = rec.state.value
    data["people"] = [p.name for p in rec.people]
    data["attempts"] = [
        {k: getattr(a, k) for k in Attempt.__dataclass_fields__}
        | {"outcome": a.outcome.value if a.outcome else None}
        for a in attempts
    ]
    return data
