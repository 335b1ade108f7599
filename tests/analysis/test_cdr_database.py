"""A CDR table (cdr_pgsql's schema, in the lab PostgreSQL) gives the same figures as the
same records in Master.csv; a wrong table or an unreachable database is a clear error."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest

from agent.analysis.cdr import CUSTOM_COLUMNS
from agent.cli import main
from tests.support.cdr_synthetic import generate

pytestmark = pytest.mark.postgres
BERLIN = ZoneInfo("Europe/Berlin")

# cdr_pgsql's schema as admins create it (lastdata widened: ring-group dial strings)
CDR_TABLE = """
CREATE TABLE cdr (
    calldate timestamp with time zone NOT NULL DEFAULT now(),
    clid varchar(80) NOT NULL DEFAULT '', src varchar(80) NOT NULL DEFAULT '',
    dst varchar(80) NOT NULL DEFAULT '', dcontext varchar(80) NOT NULL DEFAULT '',
    channel varchar(80) NOT NULL DEFAULT '', dstchannel varchar(80) NOT NULL DEFAULT '',
    lastapp varchar(80) NOT NULL DEFAULT '', lastdata varchar(255) NOT NULL DEFAULT '',
    duration bigint NOT NULL DEFAULT 0, billsec bigint NOT NULL DEFAULT 0,
    disposition varchar(45) NOT NULL DEFAULT '', amaflags bigint NOT NULL DEFAULT 0,
    accountcode varchar(20) NOT NULL DEFAULT '', uniqueid varchar(150) NOT NULL DEFAULT '',
    userfield varchar(255) NOT NULL DEFAULT '', peeraccount varchar(20) NOT NULL DEFAULT '',
    linkedid varchar(150) NOT NULL DEFAULT '', sequence int NOT NULL DEFAULT 0
)
"""


def _figures(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main(["analyse", *args, "--from", "2026-06-01", "--to", "2026-06-07", "--json"]) == 0
    data: dict[str, object] = json.loads(capsys.readouterr().out)
    data.pop("gain")
    return data


def test_a_cdr_table_gives_the_same_figures_as_the_csv(
    pg_database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cdr = generate(date(2026, 6, 1), 7, with_linkedid=True)
    csv_path = tmp_path / "Master.csv"
    cdr.write(csv_path)
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute(CDR_TABLE)
        with conn.cursor() as cur:
            for row in cdr.rows:
                r = dict(zip(CUSTOM_COLUMNS, row, strict=True))
                start = datetime.fromisoformat(r["start"]).replace(tzinfo=BERLIN)
                cur.execute(
                    "INSERT INTO cdr (calldate, clid, src, dst, dcontext, channel, dstchannel,"
                    " lastapp, lastdata, duration, billsec, disposition, uniqueid, linkedid,"
                    " sequence) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
                    " %s, %s)",
                    (start, r["clid"], r["src"], r["dst"], r["dcontext"], r["channel"],
                     r["dstchannel"], r["lastapp"], r["lastdata"], int(r["duration"]),
                     int(r["billsec"]), r["disposition"], r["uniqueid"], r["linkedid"],
                     int(r["sequence"])),
                )  # fmt: skip
    from_csv = _figures(capsys, "--cdr", str(csv_path))
    from_table = _figures(capsys, "--cdr-db", pg_database)
    assert from_table == from_csv
    assert from_csv["inbound_calls"] == sum(t.kind == "inbound" for t in cdr.truth)


def test_a_wrong_table_or_database_is_named(
    pg_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["analyse", "--cdr-db", pg_database, "--cdr-table", "nope"]) == 2
    assert "no table 'nope'" in capsys.readouterr().err
    assert main(["analyse", "--cdr-db", "postgresql://x@127.0.0.1:9/cdr"]) == 2
    assert "CDR database:" in capsys.readouterr().err
    assert main(["analyse", "--cdr-db", "sqlite:///cdr.db"]) == 2
    assert "postgresql:// or mysql://" in capsys.readouterr().err
