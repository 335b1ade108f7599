"""Everything stored about one caller, found by their number: exported, or erased
everywhere rufbereit keeps it (DSGVO Art. 15 and 17).

A number is written in many ways ("+49 176 1234 5678", "017612345678", "0049176…"); it
is compared by its national significant number (the digits after the country code or
the trunk 0), so every spelling of one number is found and no other number is.

What belongs to a caller:

- their calls (``calls.caller_number``) with the timeline of each (``call_events``:
  what was said), and every record made in those calls (by ``call_id``);
- records that carry their number: leads, orders, messages and call-back requests,
  appointments (and their notices), privacy requests, emergencies (requests,
  escalations with their attempts and notifications);
- deliveries to the company's systems that name them (``outbox``);
- call records not yet written to PostgreSQL (the agent's disk spool, see
  :func:`erase_from_spool`).

Copies already delivered to other systems (the CRM webhook, the CalDAV calendar, e-mails
and SMS sent) are outside rufbereit: the erase report says how many there were.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from .database import Connection

MIN_DIGITS = 6


class PrivacyError(Exception):
    """The request cannot be carried out as asked (the message says why and what to do)."""


def national_number(number: str, country_code: str = "49") -> str:
    """The digits that identify ``number`` in its country: '+49 176 123' -> '176123'."""
    digits = re.sub(r"\D", "", number)
    if number.strip().startswith("+") and digits.startswith(country_code):
        return digits[len(country_code) :]
    if digits.startswith("00" + country_code):
        return digits[2 + len(country_code) :]
    if digits.startswith("00"):
        return digits[2:]  # abroad: keep the whole international number
    return digits[1:] if digits.startswith("0") else digits


# table -> the columns that hold a phone number of the caller
NUMBER_COLUMNS: dict[str, tuple[str, ...]] = {
    "calls": ("caller_number",),
    "leads": ("phone",),
    "orders": ("phone",),
    "messages": ("phone",),
    "appointments": ("phone",),
    "privacy_requests": ("phone",),
    "escalation_requests": ("caller_number",),
    "escalations": ("caller_number",),
}
# tables whose rows hang on a call (call_id) or on another row (ON DELETE CASCADE)
BY_CALL = ("leads", "orders", "messages", "appointments", "privacy_requests",
           "escalation_requests", "escalations")  # fmt: skip
CHILDREN = (
    ("calls", "call_events", "call_id"),
    ("orders", "order_lines", "order_id"),
    ("escalations", "escalation_attempts", "escalation_id"),
    ("escalations", "escalation_notifications", "escalation_id"),
)


@dataclass
class CallerData:
    """Every row about one caller, table by table (rows as plain JSON-able dicts)."""

    number: str
    national: str
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def ids(self, table: str) -> list[UUID]:
        return [r["id"] for r in self.tables.get(table, []) if isinstance(r.get("id"), UUID)]

    @property
    def total(self) -> int:
        return sum(len(rows) for rows in self.tables.values())


def checked_number(number: str, country_code: str = "49") -> str:
    national = national_number(number, country_code)
    if len(national) < MIN_DIGITS:
        raise PrivacyError(
            f"{number!r} is too short to name one caller: give the whole number, "
            "e.g. +49 176 12345678"
        )
    return national


async def find_caller(conn: Connection, number: str, country_code: str = "49") -> CallerData:
    """Every row stored about the caller with this number."""
    national = checked_number(number, country_code)
    data = CallerData(number, national)
    for table, columns in NUMBER_COLUMNS.items():
        data.tables[table] = await _rows_with_number(conn, table, columns, national, country_code)
    call_ids = data.ids("calls")
    if call_ids:
        for table in BY_CALL:
            known = set(data.ids(table))
            cur = await conn.execute(f"SELECT * FROM {table} WHERE call_id = ANY(%s)", (call_ids,))
            data.tables[table] += [r for r in await _dicts(cur) if r["id"] not in known]
    for parent, child, key in CHILDREN:
        ids = data.ids(parent)
        cur = await conn.execute(f"SELECT * FROM {child} WHERE {key} = ANY(%s)", (ids,))
        data.tables[child] = await _dicts(cur)
    appointment_ids = data.ids("appointments")
    cur = await conn.execute(
        "SELECT * FROM appointment_notices WHERE appointment_id = ANY(%s)"
        " OR regexp_replace(recipient, '\\D', '', 'g') LIKE %s",
        (appointment_ids, f"%{national}"),
    )
    data.tables["appointment_notices"] = await _dicts(cur)
    kinds = ("leads", "orders", "messages", "appointments")
    record_ids = [str(i) for t in kinds for i in data.ids(t)]
    cur = await conn.execute(
        "SELECT * FROM outbox WHERE id::text = ANY(%s) OR payload->>'id' = ANY(%s)"
        " OR regexp_replace(payload::text, '\\D', '', 'g') LIKE %s",
        (record_ids, record_ids, f"%{national}%"),
    )
    data.tables["outbox"] = await _dicts(cur)
    return data


async def _rows_with_number(
    conn: Connection, table: str, columns: tuple[str, ...], national: str, country_code: str
) -> list[dict[str, Any]]:
    where = " OR ".join(f"regexp_replace({c}, '\\D', '', 'g') LIKE %s" for c in columns)
    cur = await conn.execute(
        f"SELECT * FROM {table} WHERE {where}", [f"%{national}"] * len(columns)
    )
    rows = await _dicts(cur)
    return [  # the SQL finds candidates by their last digits; the whole number decides
        r for r in rows
        if any(national_number(str(r[c] or ""), country_code) == national for c in columns)
    ]  # fmt: skip


async def _dicts(cur: Any) -> list[dict[str, Any]]:
    names = [d.name for d in cur.description or ()]
    return [dict(zip(names, row, strict=True)) for row in await cur.fetchall()]


async def erase_caller(conn: Connection, data: CallerData) -> dict[str, int]:
    """Delete every row of ``data`` (found by :func:`find_caller` in the same transaction).
    Returns the rows deleted per table."""
    deleted: dict[str, int] = {}
    order = ("outbox", "appointment_notices", *BY_CALL, "calls")  # children go by CASCADE
    for table in order:
        ids = [r["id"] for r in data.tables.get(table, [])]
        if not ids:
            continue
        cur = await conn.execute(f"DELETE FROM {table} WHERE id = ANY(%s)", (ids,))
        deleted[table] = cur.rowcount
    for parent, child, _ in CHILDREN:
        if data.tables.get(child) and parent in deleted:
            deleted[child] = len(data.tables[child])
    return deleted


def delivered_elsewhere(data: CallerData) -> int:
    """Copies already delivered outside rufbereit (webhook deliveries, notices sent)."""
    sent = sum(1 for r in data.tables.get("outbox", []) if r.get("delivered_at"))
    sent += sum(1 for r in data.tables.get("appointment_notices", []) if r.get("sent_at"))
    return sent


# -- the disk spool ----------------------------------------------------------------------


@contextlib.contextmanager
def spool_lock(spool_dir: Path) -> Iterator[bool]:
    """The spool's lock, if no agent holds it (True), else False: the agent then owns
    the spool and writes it to PostgreSQL itself."""
    if not spool_dir.is_dir():
        yield True
        return
    with (spool_dir / ".lock").open("a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def spool_segments(spool_dir: Path) -> list[Path]:
    return sorted(spool_dir.glob("segment-*.jsonl")) if spool_dir.is_dir() else []


def erase_from_spool(spool_dir: Path, national: str, country_code: str = "49") -> int:
    """Remove the caller's call records from spool segments not yet written to the
    database (the caller holds :func:`spool_lock`). Returns how many lines were removed."""
    removed = 0
    for segment in spool_segments(spool_dir):
        lines = segment.read_bytes().splitlines(keepends=True)
        records = [_json(line) for line in lines]
        calls = {
            r.get("call_id") for r in records
            if r is not None and r.get("op") == "started"
            and national_number(str(r.get("caller_number") or ""), country_code) == national
        }  # fmt: skip
        keep = [
            line for line, r in zip(lines, records, strict=True)
            if r is None or r.get("call_id") not in calls
        ]  # fmt: skip
        if len(keep) == len(lines):
            continue
        removed += len(lines) - len(keep)
        tmp = segment.with_suffix(".erase")
        tmp.write_bytes(b"".join(keep))
        tmp.replace(segment)
    return removed


def _json(line: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


# -- export ------------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """A row value as JSON: times as ISO 8601, ids as text, amounts as numbers."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    return value


def _cell(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value


def export_caller(data: CallerData, directory: Path) -> list[Path]:
    """``caller.json`` with everything, and one CSV per table that has rows."""
    import csv

    directory.mkdir(parents=True, exist_ok=True)
    tables = {t: [{k: plain(v) for k, v in r.items()} for r in rows]
              for t, rows in data.tables.items() if rows}  # fmt: skip
    everything = directory / "caller.json"
    body = {"number": data.number, "exported_at": datetime.now().astimezone().isoformat(),
            "tables": tables}  # fmt: skip
    everything.write_text(json.dumps(body, ensure_ascii=False, indent=2, default=str) + "\n")
    written = [everything]
    for table, rows in tables.items():
        path = directory / f"{table}.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            for row in rows:
                writer.writerow({k: _cell(v) for k, v in row.items()})
        written.append(path)
    return written
