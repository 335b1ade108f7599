"""CSV export (real PostgreSQL) and article stock from a CSV."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from agent.actions.calendar_pg import PostgresCalendar
from agent.actions.catalogue_csv import (
    CatalogueCsvError,
    CsvStock,
    apply_stock,
    available,
    parse_stock_csv,
)
from agent.actions.export import add_export_commands, export_csv, parse_when
from agent.actions.records_pg import PostgresRecordStore
from agent.actions.slots import Slot
from agent.config import load_settings
from agent.domain import Lead, Message, Order, OrderLine, PrivacyRequest
from agent.storage import Database, migrate

from .support import TZ, profile

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=TZ)


async def fill(db: Database) -> None:
    store = PostgresRecordStore(db)
    await store.add(Lead("alt", "", "", "", "Alt", "1",
                         id="00000000-0000-4000-8000-000000000001",
                         created_at=NOW - timedelta(days=10)))  # fmt: skip
    await store.add(Lead("Bad, neu; komplett", "München", "20.000 €", "Frühjahr",
                         'Anna "Ann" Bauer', "0171 1", id="00000000-0000-4000-8000-000000000002",
                         created_at=NOW))  # fmt: skip
    await store.add(Order((OrderLine("DS-01", "Dichtungsset", 2, "Set", Decimal("6.50")),
                           OrderLine("SPK-UP", "Spülkasten", 5, "Stück", Decimal("129.00"), 2)),
                          "Max", "0172 2", note="abholen",
                          id="00000000-0000-4000-8000-000000000003", created_at=NOW))  # fmt: skip
    cal = PostgresCalendar(db, profile(), lambda: NOW)
    start = datetime(2026, 11, 24, 10, 30, tzinfo=TZ)
    await cal.book(Slot(start, start + timedelta(hours=1), "Heizungswartung"), name="Eva",
                   phone="0173 3")  # fmt: skip


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.postgres
async def test_export_content(migrated_db: Database) -> None:
    await fill(migrated_db)
    since = parse_when("2026-11-20", TZ)
    out = io.StringIO()
    assert await export_csv(migrated_db, "leads", out, since=since, tz=TZ) == 1
    header, lead = rows(out.getvalue())
    assert header[:5] == ["id", "created_at", "name", "phone", "need"]
    assert lead[1:5] == ["2026-11-23T09:00:00+01:00", 'Anna "Ann" Bauer', "0171 1",
                         "Bad, neu; komplett"]  # fmt: skip
    out = io.StringIO()
    assert await export_csv(migrated_db, "orders", out, since=since, tz=TZ, delimiter=";") == 2
    lines = list(csv.reader(io.StringIO(out.getvalue()), delimiter=";"))
    assert [r[7:13] for r in lines[1:]] == [
        ["DS-01", "Dichtungsset", "2", "Set", "6.50", "0"],
        ["SPK-UP", "Spülkasten", "5", "Stück", "129.00", "2"],
    ]
    out = io.StringIO()
    n = await export_csv(migrated_db, "appointments", out, since=since,
                         until=parse_when("2026-11-25", TZ), tz=TZ)  # fmt: skip
    assert n == 1
    assert rows(out.getvalue())[1][1:5] == ["Heizungswartung", "2026-11-24T10:30:00+01:00",
                                            "2026-11-24T11:30:00+01:00", "Eva"]  # fmt: skip
    out = io.StringIO()
    assert await export_csv(migrated_db, "leads", out, since=parse_when("2026-11-24", TZ),
                            tz=TZ) == 0  # fmt: skip


@pytest.mark.postgres
async def test_privacy_requests_and_messages_reach_the_owner(migrated_db: Database) -> None:
    """What a caller asked about their data is exported with the date it must be answered
    by (a month, DSGVO Art. 12(3)); messages with their reason."""
    store = PostgresRecordStore(migrated_db)
    await store.add(PrivacyRequest("erasure", "Anna Bauer", "0171 1", "Löschen Sie meine Daten",
                                   created_at=NOW))  # fmt: skip
    await store.add(Message("callback", "Max", "0172 2", "Frage: Haben Sie Vaillant auf Lager?",
                            "faq_unanswered", created_at=NOW))  # fmt: skip
    since = parse_when("2026-11-20", TZ)
    out = io.StringIO()
    assert await export_csv(migrated_db, "privacy", out, since=since, tz=TZ) == 1
    header, row = rows(out.getvalue())
    found = dict(zip(header, row, strict=True))
    assert (found["kind"], found["name"], found["status"], found["answer_by"]) == (
        "erasure",
        "Anna Bauer",
        "open",
        "2026-12-23",
    )
    out = io.StringIO()
    assert await export_csv(migrated_db, "messages", out, since=since, tz=TZ) == 1
    header, row = rows(out.getvalue())
    assert dict(zip(header, row, strict=True))["reason"] == "faq_unanswered"


@pytest.mark.postgres
def test_export_command_writes_a_file(pg_database: str, tmp_path: Path) -> None:
    async def prepare() -> None:
        async with Database(pg_database) as db:
            await migrate(db)
            await fill(db)

    asyncio.run(prepare())
    parser = argparse.ArgumentParser()
    add_export_commands(parser.add_subparsers())
    target = tmp_path / "leads.csv"
    args = parser.parse_args(["export", "leads", "--since", "2026-11-01", "-o", str(target)])
    settings = load_settings(env={"RUFBEREIT_DATABASE_URL": pg_database})
    assert args.func(settings, args) == 0
    assert len(rows(target.read_text(encoding="utf-8"))) == 3
    bad = parser.parse_args(["export", "orders", "--since", "gestern"])
    assert bad.func(settings, bad) == 2


def test_stock_csv_overrides_the_catalogue(tmp_path: Path) -> None:
    text = "\ufeffArtikelnummer;Bezeichnung;Bestand;Preis\nDS-01;Dichtungsset;0;7,10\n" \
           "SPK-UP;Spülkasten;12;\nXX-9;unbekannt;5;1\nMK-35;Kartusche;;\n"  # fmt: skip
    stock = parse_stock_csv(text)
    assert stock["DS-01"].stock == 0 and stock["DS-01"].price == Decimal("7.10")
    p = apply_stock(profile(), stock)
    by_sku = {i.sku: i for i in p.catalogue}
    assert by_sku["DS-01"].stock == 0 and by_sku["DS-01"].price == Decimal("7.10")
    assert by_sku["SPK-UP"].stock == 12 and by_sku["SPK-UP"].price == Decimal("129.00")
    assert by_sku["MK-35"].stock is None  # not tracked
    assert by_sku["HKV-12"].stock == 40  # not in the file: the profile's value
    assert "XX-9" not in by_sku
    assert available(by_sku["SPK-UP"], 15) == (12, 3)
    assert available(by_sku["MK-35"], 99) == (99, 0)
    with pytest.raises(CatalogueCsvError, match="sku and stock"):
        parse_stock_csv("name,menge2\na,1\n")
    with pytest.raises(CatalogueCsvError, match="line 2"):
        parse_stock_csv("sku,stock\nA,viele\n")

    path = tmp_path / "stock.csv"
    path.write_text("sku,stock\nSPK-UP,1\n", encoding="utf-8")
    live = CsvStock(profile(), path)
    assert {i.sku: i.stock for i in live.profile().catalogue}["SPK-UP"] == 1
    path.write_text("sku,stock\nSPK-UP,7\n", encoding="utf-8")
    os.utime(path, (1, 1))
    assert {i.sku: i.stock for i in live.profile().catalogue}["SPK-UP"] == 7
    path.write_text("kaputt\n", encoding="utf-8")
    os.utime(path, (2, 2))
    assert {i.sku: i.stock for i in live.profile().catalogue}["SPK-UP"] == 7  # last good
    assert {i.sku: i.stock for i in live.profile().catalogue}["SPK-UP"] == 7  # no re-read
