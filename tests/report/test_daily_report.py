"""The owner's daily report for a scripted day, sent through a real SMTP server.

The day: 24 whole calls of the conversation corpus (every scenario; morning, lunch,
afternoon and night of Monday 23 November 2026) replayed through the real dialogue
engine into the lab's PostgreSQL with the agent's own stores (calendar, records, call
log); the on-call rota's answer to the night's emergencies is written as the escalation
service writes it. Then ``rufbereit report --day 2026-11-23 --send``: the e-mail must
arrive with a text part, an HTML part and the chart inline, and every figure must be
what the calls left behind.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.actions.services import ActionServices
from agent.cli import main
from agent.config import Settings, example_profile_data, load_settings
from agent.conversations.replay import replay
from agent.conversations.script import ScriptedCall, load_corpus
from agent.dialogue.simulate import load_backend
from agent.storage.call_records import CallAnswered, CallEnded, CallEvent, CallStarted, apply
from agent.storage.database import Database
from tests.support.browser import artifacts, screenshot

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.usefixtures("restore_logging")]

REPO = Path(__file__).resolve().parents[2]
DAY = "2026-11-23"
PER_SCENARIO = {"appointment": 4, "lead": 3, "order": 3, "faq": 4, "message": 3,
                "handover": 2, "emergency": 3, "privacy": 2}  # fmt: skip
ON_THE_DAY = {"open", "open_afternoon", "lunch", "after_hours"}
OUTCOME = {"hangup": "completed", "hold": "completed", "handover": "handover",
           "none": "caller_hangup"}  # fmt: skip


def scripted_day() -> list[ScriptedCall]:
    picked: list[ScriptedCall] = []
    for corpus in load_corpus(sorted((REPO / "tests" / "conversations" / "de").glob("*.yaml"))):
        usable = [c for c in corpus.calls if c.at in ON_THE_DAY and not c.booked]
        picked += usable[: PER_SCENARIO.get(corpus.scenario, 0)]
    assert len(picked) == sum(PER_SCENARIO.values()) == 24
    return picked


async def play_the_day(db: Database, settings: Settings) -> Counter[str]:
    """Replay the calls; return what they left behind (counted from the replays)."""
    profile = settings.business
    nlu = await load_backend("embedded", settings)
    left: Counter[str] = Counter()
    for call in scripted_day():
        now = datetime.fromisoformat(call.moment()).replace(tzinfo=profile.tz)
        services = ActionServices.create(db, profile, lambda now=now: now)
        call_id = uuid.uuid4()
        async with db.connection() as conn:
            await apply(conn, CallStarted(call_id, f"ch-{call.id}", call.caller, "0891234567",
                                          now, "de", "websocket"))  # fmt: skip
            await apply(conn, CallAnswered(call_id, now + timedelta(seconds=1)))
        out = await replay(call, profile, nlu, "de", calendar=services.calendar,
                           records=services.records, call_id=str(call_id))  # fmt: skip
        assert out.error is None, (call.id, out.error)
        async with db.connection() as conn:
            ended = now + timedelta(minutes=2)
            await apply(conn, CallEnded(call_id, ended, OUTCOME[out.end], None))
        left["calls"] += 1
        left["after_hours"] += 0 if profile.is_open(now) else 1
        left[OUTCOME[out.end]] += 1
        left["appointments"] += sum(a["status"] == "booked" for a in out.records["appointments"])
    # The database's stores list everything saved so far: after the last call, the day's.
    for kind in ("leads", "orders", "escalations", "privacy_requests"):
        left[kind] = len(out.records[kind])
    for m in out.records["messages"]:
        left[f"messages_{m['kind']}"] += 1
    return left


async def acknowledge_emergencies(db: Database) -> list[float]:
    """What the on-call escalation wrote for the night: the first emergency acknowledged
    after 95 s, the second after 4 min; the seconds, in order."""
    waits = [95.0, 240.0]
    async with db.connection() as conn:
        cur = await conn.execute("SELECT id, call_id, created_at FROM escalation_requests"
                                 " ORDER BY created_at, id")  # fmt: skip
        requests = await cur.fetchall()
        for (request_id, call_id, created_at), wait in zip(requests, waits, strict=False):
            escalation = uuid.uuid4()
            await conn.execute(
                "INSERT INTO escalations (id, request_id, call_id, dedupe_key, created_at,"
                " occurred_at, kind, people, state) VALUES (%s, %s, %s, %s, %s, %s, 'water',"
                " '[]', 'acknowledged')",
                (escalation, request_id, call_id, str(escalation), created_at, created_at),
            )
            await conn.execute(
                "INSERT INTO escalation_attempts (escalation_id, attempt_no, person, phone, owner,"
                " started_at, answered_at, ended_at, outcome) VALUES (%s, 0, 'Thomas Huber',"
                " '+4917011111', 'agent', %s, %s, %s, 'acknowledged')",
                (escalation, created_at, created_at + timedelta(seconds=wait),
                 created_at + timedelta(seconds=wait + 20)),
            )  # fmt: skip
    return waits[: len(requests)]


def _parts(msg: EmailMessage) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in msg.walk():
        kind = part.get_content_type()
        if kind in ("text/plain", "text/html"):
            out[kind] = part.get_content()
        elif kind == "image/png":
            out["png"], out["cid"] = part.get_content(), part["Content-ID"].strip("<>")
    return out


async def test_the_daily_report_of_a_scripted_day_arrives_with_the_right_figures(
    migrated_db: Database, pg_database: str, smtp_server: Any, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    box, port = smtp_server
    data = example_profile_data()
    data["smtp"] = {"host": "127.0.0.1", "port": port, "sender": "assistent@mueller.example"}
    data["report"] = {"to": ["chef@mueller.example"]}
    data["database"] = {"url": pg_database, "spool_dir": str(tmp_path / "spool")}
    profile_path = tmp_path / "profile.yaml"
    profile_path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    settings = load_settings(profile_path, env={})

    left = await play_the_day(migrated_db, settings)
    waits = await acknowledge_emergencies(migrated_db)
    async with migrated_db.connection() as conn:  # two callers pressed a key (4, then 5)
        cur = await conn.execute("SELECT id, started_at FROM calls ORDER BY started_at LIMIT 2")
        for (call_id, started_at), key in zip(await cur.fetchall(), (4, 5), strict=True):
            await apply(conn, CallEvent(call_id, "caller_rating", {"rating": key}, started_at))
    html_file = tmp_path / "bericht.html"
    argv = ["--profile", str(profile_path), "report", "--day", DAY, "--send", "--json",
            "--html", str(html_file)]  # fmt: skip
    code = await asyncio.to_thread(main, argv)
    out = capsys.readouterr()
    assert code == 0, out.err
    figures = json.loads(out.out)

    assert left["calls"] == 24 and left["leads"] and left["orders"] and left["escalations"]
    assert figures["calls_answered"] == 24
    assert figures["after_hours"] == left["after_hours"] > 0
    assert figures["by_outcome"]["resolved"] == left["completed"]
    assert figures["by_outcome"]["handed_over"] == left["handover"] > 0
    assert figures["appointments_booked"] == left["appointments"] > 0
    assert figures["leads"] == left["leads"]
    assert figures["orders"] == left["orders"]
    assert figures["callbacks_requested"] == left["messages_callback"]
    assert figures["messages"] == left["messages_message"]
    assert figures["callbacks_open"] == left["messages_callback"]
    assert figures["emergencies"] == left["escalations"]
    assert figures["emergencies_acknowledged"] == len(waits)
    assert figures["ack_seconds_max"] == max(waits)
    assert figures["privacy_requests"] == left["privacy_requests"]
    assert (figures["ratings"], figures["rating_average"]) == (2, 4.5)
    economics = settings.business.economics
    assert economics is not None
    assert figures["estimated_revenue"] == pytest.approx(
        left["leads"] * economics.close_rate * economics.average_order_value
    )
    assert sum(sum(h.values()) for h in figures["per_hour"]) == 24

    (msg,) = box.messages
    assert msg["To"] == "chef@mueller.example"
    assert msg["Subject"] == "Tagesbericht Müller Sanitär GmbH · 23.11.2026"
    parts = _parts(msg)
    assert "Anrufe angenommen" in parts["text/plain"] and " 24" in parts["text/plain"]
    assert "Abschlussquote 35 %" in parts["text/plain"]  # the assumption, shown
    assert "4,5 / 5 (2)" in parts["text/plain"]
    assert f"cid:{parts['cid']}" in parts["text/html"]  # the chart, inline
    assert parts["png"][:8] == b"\x89PNG\r\n\x1a\n"
    screenshot(html_file, artifacts() / "daily-report.png", width=700, height=900)
