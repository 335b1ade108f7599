"""Asterisk's call detail records, read from cdr_csv's Master.csv or a CDR table.

One :class:`CdrRecord` per row, whatever the source. Asterisk (12 and later) writes one
record per pair of parties: the caller's channel (party A) with each channel it dialled
(party B), so a ring group of three phones gives three records that share the caller
channel's ``uniqueid``. Putting them back together is :mod:`agent.analysis.calls`'s job.

Formats read:

- cdr_csv's ``Master.csv`` (no header; 16, 17 or 18 columns, depending on
  ``loguniqueid`` and ``loguserfield``), and the same 18 columns followed by ``linkedid``
  and ``sequence`` (the cdr_custom template in ``dialplan/cdr_custom.conf.sample``);
- a CSV with a header row (exports from FreePBX's CDR reports, ``psql \\copy``);
- a CDR table: ``cdr_pgsql``'s (PostgreSQL) or FreePBX's ``asteriskcdrdb.cdr`` (MySQL or
  MariaDB, with the optional ``mysql`` extra).

Times without a zone (cdr_csv writes local time unless ``usegmtime=yes``) are read in
the zone given. A row that cannot be read is counted and named, never guessed.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

# cdr_csv's columns, in its order (cdr/cdr_csv.c); the last two only with loguniqueid
# and loguserfield (both on by default).
CSV_COLUMNS = (
    "accountcode",
    "src",
    "dst",
    "dcontext",
    "clid",
    "channel",
    "dstchannel",
    "lastapp",
    "lastdata",
    "start",
    "answer",
    "end",
    "duration",
    "billsec",
    "disposition",
    "amaflags",
    "uniqueid",
    "userfield",
)
# The cdr_custom template rufbereit ships adds what cdr_csv lacks.
CUSTOM_COLUMNS = (*CSV_COLUMNS, "linkedid", "sequence")
_BY_COUNT = {
    16: CSV_COLUMNS[:16],
    17: CSV_COLUMNS[:17],
    18: CSV_COLUMNS,
    20: CUSTOM_COLUMNS,
}
# Other names of the same column (database tables, report exports).
_ALIASES = {"calldate": "start", "answer_time": "answer", "end_time": "end"}


class CdrError(Exception):
    """The records cannot be read at all (missing file, wrong format, no database)."""


@dataclass(frozen=True, slots=True)
class CdrRecord:
    """One CDR row: party A (``channel``) and what it reached (``dstchannel``)."""

    src: str
    dst: str
    dcontext: str
    channel: str
    dstchannel: str
    lastapp: str
    lastdata: str
    start: datetime  # aware
    answer: datetime | None
    end: datetime
    duration: int  # seconds, start to end
    billsec: int  # seconds, answer to end
    disposition: str  # ANSWERED, NO ANSWER, BUSY, FAILED, CONGESTION
    uniqueid: str
    linkedid: str = ""
    sequence: int | None = None
    clid: str = ""
    userfield: str = ""

    @property
    def answered(self) -> bool:
        return self.disposition == "ANSWERED"


@dataclass(slots=True)
class CdrBatch:
    """The records read, and the rows that could not be (line number, why)."""

    records: list[CdrRecord] = field(default_factory=list)
    unreadable: list[tuple[int, str]] = field(default_factory=list)

    def extend(self, other: CdrBatch) -> None:
        self.records.extend(other.records)
        self.unreadable.extend(other.unreadable)


def read_cdr_csv(path: Path, tz: tzinfo) -> CdrBatch:
    """All rows of a cdr_csv/cdr_custom Master.csv or a CSV with a header row."""
    try:
        with path.open(newline="", encoding="utf-8", errors="replace") as f:
            return parse_cdr_rows(csv.reader(f), tz)
    except OSError as exc:
        raise CdrError(f"cannot read {path}: {exc.strerror or exc}") from exc


def parse_cdr_rows(rows: Iterable[list[str]], tz: tzinfo) -> CdrBatch:
    batch = CdrBatch()
    names: tuple[str, ...] | None = None
    for line, row in enumerate(rows, start=1):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if line == 1 and _is_header(row):
            names = tuple(_ALIASES.get(c.strip().lower(), c.strip().lower()) for c in row)
            continue
        columns = names or _BY_COUNT.get(len(row))
        if columns is None or len(columns) != len(row):
            batch.unreadable.append((line, f"{len(row)} columns (expected 16, 17, 18 or 20)"))
            continue
        try:
            batch.records.append(record_from_mapping(dict(zip(columns, row, strict=True)), tz))
        except ValueError as exc:
            batch.unreadable.append((line, str(exc)))
    return batch


def _is_header(row: list[str]) -> bool:
    lowered = {c.strip().lower() for c in row}
    return {"src", "dst", "disposition"} <= lowered


def record_from_mapping(row: Mapping[str, Any], tz: tzinfo) -> CdrRecord:
    """A record from named columns (a CSV row with a header, or a database row).

    Raises ValueError naming the column that is wrong."""
    start = _time(row.get("start"), tz, "start")
    if start is None:
        raise ValueError("no start time")
    duration = _seconds(row.get("duration"), "duration")
    billsec = _seconds(row.get("billsec"), "billsec")
    if billsec > duration:
        raise ValueError(f"billsec {billsec} > duration {duration}")
    disposition = _text(row.get("disposition")).upper()
    if not disposition:
        raise ValueError("no disposition")
    answer = _time(row.get("answer"), tz, "answer")
    end = _time(row.get("end"), tz, "end") or start + timedelta(seconds=duration)
    if answer is None and disposition == "ANSWERED":
        # A database table often has calldate only: the answer came billsec before the end.
        answer = end - timedelta(seconds=billsec)
    sequence = _text(row.get("sequence"))
    return CdrRecord(
        src=_text(row.get("src")),
        dst=_text(row.get("dst")),
        dcontext=_text(row.get("dcontext")),
        channel=_text(row.get("channel")),
        dstchannel=_text(row.get("dstchannel")),
        lastapp=_text(row.get("lastapp")),
        lastdata=_text(row.get("lastdata")),
        start=start,
        answer=answer,
        end=end,
        duration=duration,
        billsec=billsec,
        disposition=disposition,
        uniqueid=_text(row.get("uniqueid")),
        linkedid=_text(row.get("linkedid")),
        sequence=int(sequence) if sequence.lstrip("-").isdigit() else None,
        clid=_text(row.get("clid")),
        userfield=_text(row.get("userfield")),
    )


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _seconds(value: object, name: str) -> int:
    text = _text(value)
    try:
        seconds = int(float(text)) if text else 0
    except ValueError:
        raise ValueError(f"{name} is not a number: {text[:20]!r}") from None
    if seconds < 0:
        raise ValueError(f"{name} is negative")
    return seconds


def _time(value: object, tz: tzinfo, name: str) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    text = _text(value)
    if not text:
        return None
    try:
        if text.replace(".", "", 1).isdigit():  # epoch seconds (cdr_custom ${CDR(start,u)})
            return datetime.fromtimestamp(float(text), UTC)
        parsed = datetime.fromisoformat(text)
    except (ValueError, OverflowError, OSError):
        raise ValueError(f"{name} is not a time: {text[:30]!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def read_cdr_database(
    url: str, tz: tzinfo, since: date, until: date, *, table: str = "cdr"
) -> CdrBatch:
    """The rows of a CDR table whose call started from ``since`` up to ``until``
    (inclusive, a day's margin either side for the zone: the caller filters by day).

    ``url``: ``postgresql://…`` (cdr_pgsql) or ``mysql://…`` (FreePBX's asteriskcdrdb,
    needs ``pip install 'rufbereit[mysql]'``)."""
    if not table.replace("_", "").replace(".", "").isalnum():
        raise CdrError(f"cdr table name {table!r}: letters, digits, _ and . only")
    low = datetime.combine(since - timedelta(days=1), datetime.min.time())
    high = datetime.combine(until + timedelta(days=2), datetime.min.time())
    scheme = url.split(":", 1)[0].lower()
    if scheme.startswith("postgres"):
        rows = _postgres_rows(url, table, low, high)
    elif scheme.startswith("mysql") or scheme.startswith("mariadb"):
        rows = _mysql_rows(url, table, low, high)
    else:
        raise CdrError(f"CDR database URL must start with postgresql:// or mysql://, not {scheme}:")
    batch = CdrBatch()
    for n, row in enumerate(rows, start=1):
        named = {_ALIASES.get(k.lower(), k.lower()): v for k, v in row.items()}
        try:
            batch.records.append(record_from_mapping(named, tz))
        except ValueError as exc:
            batch.unreadable.append((n, str(exc)))
    return batch


def _postgres_rows(url: str, table: str, low: datetime, high: datetime) -> Iterator[dict[str, Any]]:
    import psycopg
    from psycopg import sql
    from psycopg.rows import dict_row

    try:
        with psycopg.connect(url, connect_timeout=10, row_factory=dict_row) as conn:
            time_column = _pg_time_column(conn, table)
            query = sql.SQL("SELECT * FROM {} WHERE {} >= %s AND {} < %s").format(
                sql.Identifier(*table.split(".")),
                sql.Identifier(time_column),
                sql.Identifier(time_column),
            )
            yield from conn.execute(query, (low, high))
    except psycopg.Error as exc:
        raise CdrError(f"CDR database: {str(exc).strip().splitlines()[0]}") from exc


def _pg_time_column(conn: Any, table: str) -> str:
    cur = conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s",
        (table.split(".")[-1],),
    )
    columns = {r["column_name"] for r in cur.fetchall()}
    if not columns:
        raise CdrError(f"CDR database: no table {table!r}")
    for name in ("calldate", "start"):
        if name in columns:
            return name
    raise CdrError(f"CDR table {table!r} has neither calldate nor start")


def _mysql_rows(url: str, table: str, low: datetime, high: datetime) -> Iterator[dict[str, Any]]:
    try:
        import pymysql
        import pymysql.cursors
    except ImportError:
        raise CdrError(
            "reading a MySQL/MariaDB CDR table needs PyMySQL: pip install 'rufbereit[mysql]'"
        ) from None
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    try:
        conn = pymysql.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 3306,
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            database=parts.path.lstrip("/") or "asteriskcdrdb",
            cursorclass=pymysql.cursors.DictCursor,
            connect_timeout=10,
        )
    except pymysql.Error as exc:
        raise CdrError(f"CDR database: {exc}") from exc
    with conn, conn.cursor() as cur:
        quoted = ".".join(f"`{p}`" for p in table.split("."))
        cur.execute(f"SELECT * FROM {quoted} WHERE calldate >= %s AND calldate < %s", (low, high))
        yield from cur.fetchall()
