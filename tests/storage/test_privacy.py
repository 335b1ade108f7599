"""DSGVO by command: everything about one caller exported (JSON and CSV) and erased
everywhere rufbereit keeps it (PostgreSQL, the disk spool, deliveries not yet sent),
whatever spelling of the number each record has; nobody else's data is touched; and
retention deletes exactly what is due."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agent.cli import main
from agent.profile import Retention
from agent.storage.call_records import CallEvent, CallStarted, apply, to_json
from agent.storage.database import Database
from agent.storage.privacy import national_number
from agent.storage.retention import RetentionJob

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("restore_logging")]

ANNA = "+49 176 12345678"  # the caller who asks to be forgotten
ANNA_DIGITS = "17612345678"
BEN = "+49 89 7654321"  # another caller
NOW = datetime.now(UTC)


async def cli(argv: list[str]) -> int:
    """The command as an admin runs it (its own event loop: in a thread here)."""
    return await asyncio.to_thread(main, argv)


def test_every_spelling_of_a_number_is_one_number() -> None:
    spellings = ["+4917612345678", "0176 12345678", "0049 176 1234-5678", "+49 (0)176 12345678"]
    assert {national_number(s) for s in spellings[:3]} == {ANNA_DIGITS}
    assert national_number("0171 12345678") != ANNA_DIGITS


async def _call(db: Database, number: str, said: str) -> uuid.UUID:
    call_id = uuid.uuid4()
    async with db.connection() as conn:
        await apply(
            conn, CallStarted(call_id, "chan", number, "0891234567", NOW, "de", "websocket")
        )
        await apply(conn, CallEvent(call_id, "caller_said", {"text": said}, NOW))
    return call_id


async def _caller_data(db: Database) -> dict[str, uuid.UUID]:
    anna_call = await _call(db, "+4917612345678", "Hier ist Anna Schmidt, Rohrbruch im Keller")
    ben_call = await _call(db, "0897654321", "Hier ist Ben Berger")
    ids = {name: uuid.uuid4() for name in ("lead", "order", "msg", "appt", "esc", "ben_lead")}
    async with db.connection() as conn:
        q = conn.execute
        await q("INSERT INTO leads (id, call_id, created_at, need, name, phone) VALUES"
                " (%s, %s, now(), 'Badsanierung', 'Anna Schmidt', '0176 12345678'),"
                " (%s, %s, now(), 'Heizung', 'Ben Berger', '089 7654321')",
                (ids["lead"], anna_call, ids["ben_lead"], ben_call))  # fmt: skip
        await q("INSERT INTO orders (id, created_at, name, phone) VALUES"
                " (%s, now(), 'Anna Schmidt', '+49 176 12345678')", (ids["order"],))  # fmt: skip
        await q("INSERT INTO order_lines (order_id, position, sku, name, quantity, unit) VALUES"
                " (%s, 1, 'Z1', 'Zement', 10, 'Sack')", (ids["order"],))  # fmt: skip
        await q("INSERT INTO messages (id, created_at, kind, name, phone, text) VALUES"
                " (%s, now(), 'callback', 'Anna', '017612345678', 'Rückruf wegen Angebot'),"
                " (%s, now(), 'message', 'Ben', '+49897654321', 'Bitte zurückrufen')",
                (ids["msg"], uuid.uuid4()))  # fmt: skip
        await q("INSERT INTO appointments (id, appointment_type, starts_at, ends_at,"
                " blocked_until, name, phone, phone_digits) VALUES (%s, 'Wartung',"
                " now() + interval '2 days', now() + interval '2 days 1 hour',"
                " now() + interval '2 days 1 hour', 'Anna Schmidt', '0049 176 1234-5678',"
                " '004917612345678')", (ids["appt"],))  # fmt: skip
        await q("INSERT INTO appointment_notices (id, appointment_id, kind, channel, recipient,"
                " due_at) VALUES (%s, %s, 'reminder', 'sms', '+4917612345678', now())",
                (uuid.uuid4(), ids["appt"]))  # fmt: skip
        await q("INSERT INTO escalations (id, call_id, dedupe_key, occurred_at, kind,"
                " caller_name, caller_number, people) VALUES (%s, %s, 'k', now(), 'water',"
                " 'Anna Schmidt', '+4917612345678', '[]')", (ids["esc"], anna_call))  # fmt: skip
        await q("INSERT INTO escalation_attempts (escalation_id, attempt_no, person, phone,"
                " owner) VALUES (%s, 0, 'Thomas', '+4917099999', 'agent')",
                (ids["esc"],))  # fmt: skip
        await q("INSERT INTO escalation_notifications (escalation_id, person, channel, address,"
                " purpose, body) VALUES (%s, 'Thomas', 'sms', '+4917099999', 'acknowledged',"
                " 'Rohrbruch bei Anna Schmidt, 0176 12345678')", (ids["esc"],))  # fmt: skip
        await q("INSERT INTO privacy_requests (id, created_at, kind, name, phone) VALUES"
                " (%s, now(), 'erasure', 'Anna Schmidt', '0176/12345678')",
                (uuid.uuid4(),))  # fmt: skip
        for key, delivered in ((ids["lead"], True), (ids["order"], False)):
            payload = {"id": str(key), "data": {"phone": "0176 12345678"}}
            await q("INSERT INTO outbox (id, topic, payload, body, delivered_at) VALUES"
                    " (%s, 'lead.created', %s::jsonb, %s, %s)",
                    (key, json.dumps(payload), json.dumps(payload),
                     NOW if delivered else None))  # fmt: skip
    return {"anna_call": anna_call, "ben_call": ben_call, **ids}


def _spool(directory: Path) -> Path:
    """Records of two calls the agent could not yet write (the database was down)."""
    directory.mkdir(parents=True, exist_ok=True)
    anna, ben = uuid.uuid4(), uuid.uuid4()
    ops = [
        CallStarted(anna, "c1", "0176-12345678", "089", NOW, "de", "websocket"),
        CallEvent(anna, "caller_said", {"text": "Anna hier"}, NOW),
        CallStarted(ben, "c2", "0897654321", "089", NOW, "de", "websocket"),
        CallEvent(ben, "caller_said", {"text": "Ben hier"}, NOW),
    ]
    segment = directory / "segment-0000000001.jsonl"
    segment.write_text("".join(json.dumps(to_json(op)) + "\n" for op in ops))
    return segment


async def _all_text(db: Database) -> str:
    """Every row of every table, as text: what a search for the number would find."""
    async with db.connection() as conn:
        cur = await conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
        text = []
        for (table,) in await cur.fetchall():
            rows = await (await conn.execute(f"SELECT t::text FROM {table} t")).fetchall()
            text += [r[0] for r in rows]
    return "\n".join(text)


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit() or c == "\n")


async def test_a_caller_is_exported_then_erased_everywhere(
    migrated_db: Database, pg_database: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    await _caller_data(migrated_db)
    spool = tmp_path / "spool"
    segment = _spool(spool)
    monkeypatch.setenv("RUFBEREIT_DATABASE_URL", pg_database)
    monkeypatch.setenv("RUFBEREIT_SPOOL_DIR", str(spool))

    out = tmp_path / "auskunft"
    assert await cli(["privacy", "export", "0176 12345678", "--out", str(out)]) == 0
    export = json.loads((out / "caller.json").read_text())["tables"]
    assert {t: len(rows) for t, rows in export.items()} == {
        "calls": 1, "call_events": 1, "leads": 1, "orders": 1, "order_lines": 1,
        "messages": 1, "appointments": 1, "appointment_notices": 1, "privacy_requests": 1,
        "escalations": 1, "escalation_attempts": 1, "escalation_notifications": 1, "outbox": 2,
    }  # fmt: skip
    assert export["call_events"][0]["data"]["text"].startswith("Hier ist Anna Schmidt")
    assert (out / "leads.csv").read_text().count("Anna Schmidt") == 1
    assert "Ben" not in (out / "caller.json").read_text()
    capsys.readouterr()

    assert await cli(["privacy", "erase", ANNA]) == 1  # without --yes: shows, deletes nothing
    assert "would delete: calls 1" in capsys.readouterr().out
    assert ANNA_DIGITS in _digits(await _all_text(migrated_db))

    assert await cli(["privacy", "erase", ANNA, "--yes"]) == 0
    said = capsys.readouterr().out
    assert "spooled records" in said and "already delivered" in said  # the CRM's copy
    left = await _all_text(migrated_db)
    assert ANNA_DIGITS not in _digits(left), "the number is still stored somewhere"
    assert "Anna" not in left
    assert "Ben Berger" in left and "Bitte zurückrufen" in left  # the other caller's data
    spooled = segment.read_text()
    assert "Anna" not in spooled and "12345678" not in spooled and "Ben hier" in spooled

    assert await cli(["privacy", "export", ANNA, "--out", str(tmp_path / "again")]) == 1


async def test_erase_waits_while_the_agent_still_replays_its_spool(
    migrated_db: Database, pg_database: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    import fcntl

    await _caller_data(migrated_db)
    spool = tmp_path / "spool"
    _spool(spool)
    monkeypatch.setenv("RUFBEREIT_DATABASE_URL", pg_database)
    monkeypatch.setenv("RUFBEREIT_SPOOL_DIR", str(spool))
    with (spool / ".lock").open("a") as held:  # as a running agent holds it
        fcntl.flock(held, fcntl.LOCK_EX)
        assert await cli(["privacy", "erase", ANNA, "--yes"]) == 2
    assert "run this again in a minute" in capsys.readouterr().err
    assert ANNA_DIGITS in _digits(await _all_text(migrated_db))  # nothing half-done


async def test_retention_deletes_exactly_what_is_due(
    migrated_db: Database, pg_database: str,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    old, new = NOW - timedelta(days=200), NOW - timedelta(days=10)
    async with migrated_db.connection() as conn:
        for when in (old, new):
            call_id = uuid.uuid4()
            await apply(conn, CallStarted(call_id, "c", "0171", "089", when, "de", "websocket"))
            await apply(conn, CallEvent(call_id, "caller_said", {"text": "x"}, when))
            await conn.execute("INSERT INTO leads (id, created_at, need) VALUES (%s, %s, 'x')",
                               (uuid.uuid4(), when))  # fmt: skip
            await conn.execute("INSERT INTO messages (id, created_at, kind) VALUES"
                               " (%s, %s, 'callback')", (uuid.uuid4(), when))  # fmt: skip
            await conn.execute("INSERT INTO console_logins (at, username, address, ok) VALUES"
                               " (%s, 'buero', '192.0.2.1', false)", (when,))  # fmt: skip
        for when in (NOW - timedelta(days=400), new):  # who read what: kept a year
            await conn.execute("INSERT INTO console_audit (at, username, action) VALUES"
                               " (%s, 'chefin', 'transcript_viewed')", (when,))  # fmt: skip
    monkeypatch.setenv("RUFBEREIT_DATABASE_URL", pg_database)
    assert await cli(["privacy", "retention", "--dry-run"]) == 0
    assert "transcripts  older than 30 days: 1 due" in capsys.readouterr().out

    job = RetentionJob(migrated_db, Retention(), UTC)  # the daily job, run now
    assert await job.run_once() == {"transcripts": 1, "calls": 1, "leads": 1, "messages": 1,
                                    "console_logins": 1, "console_audit": 1}  # fmt: skip
    async with migrated_db.connection() as conn:
        for table in ("calls", "call_events", "leads", "messages", "console_logins",
                      "console_audit"):  # fmt: skip
            (n,) = await (await conn.execute(f"SELECT count(*) FROM {table}")).fetchone()  # type: ignore[misc]
            assert n == 1, f"{table}: the recent row stays"
    assert await job.run_once() == {"transcripts": 0, "calls": 0, "leads": 0, "messages": 0,
                                    "console_logins": 0, "console_audit": 0}  # fmt: skip
