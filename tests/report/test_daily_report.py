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
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.cli import main
from agent.config import example_profile_data, load_settings
from agent.storage.call_records import CallEvent, apply
from agent.storage.database import Database
from tests.support.browser import artifacts, screenshot
from tests.support.scripted_day import DAY, acknowledge_emergencies, play_the_day

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.usefixtures("restore_logging")]


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
