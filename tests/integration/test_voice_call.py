"""The whole loop in a call: a caller books an appointment by voice, and barges in.

A sipp phone calls the assistant on the real Asterisk; the test speaks English
sentences made with the Piper voice into the call (RTP), the assistant hears
them with faster-whisper tiny.en, the dialogue books the appointment in
PostgreSQL, and both sides' words are stored with the call.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import statistics
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from agent.actions.settings import SmtpSettings
from agent.app import running_agent
from agent.config import Settings, example_profile_path, load_settings
from agent.console.users import Users
from agent.report.figures import ReportFigures
from agent.report.service import make_report, send_report
from agent.report.settings import ReportSettings
from agent.storage import Database
from tests.support.lab_line import CallerVoice, Line, converse, finished_call
from tests.support.phones import RtpEndpoint, place_call
from tests.support.smtp import Mailbox

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _settings(pg_database: str, tmp_path: Path) -> Settings:
    return load_settings(
        env={
            "RUFBEREIT_DATABASE_URL": pg_database,
            "RUFBEREIT_SPOOL_DIR": str(tmp_path / "spool"),
            "RUFBEREIT_LANGUAGE": "en",
            "RUFBEREIT_STT_BACKEND": "whisper",
        }
    )


async def test_booking_an_appointment_by_voice(
    lab: None, pg_database: str, tmp_path: Path, caller_voice: CallerVoice,
    smtp_server: tuple[Mailbox, int],
) -> None:  # fmt: skip
    sentences = [
        "Hello, I would like to book an appointment for a heating service.",
        "Next Tuesday at ten in the morning, please.",
        "My name is Anna Smith.",
        "Yes, you can reach me on this number.",  # the caller ID the phone sent
        "Yes, please book it.",
        "No, thank you. Goodbye.",
    ]
    voices = [await caller_voice(s) for s in sentences]

    async def conversation(rtp: RtpEndpoint) -> None:
        await converse(rtp, voices)

    settings = _settings(pg_database, tmp_path)
    settings.console.bind = "127.0.0.1:0"  # the console, served by the agent as at a customer's
    async with running_agent(settings, profile_path=example_profile_path()) as agent:
        result = await place_call(
            "800", hold_s=120, timeout=150, during=conversation, wait_for_hangup=True
        )
        assert result.ok, result.error_text
        call, events = await finished_call(agent.call_log)
        assert agent.console_address is not None
        console = await _console_pages(agent.console_address, agent.database, str(call["id"]))
        report = await _report_of_today(settings, agent.database, smtp_server)
    said = [e["data"]["text"] for e in events if e["kind"] == "caller_said"]
    replies = [e["data"]["text"] for e in events if e["kind"] == "assistant_said"]
    transcript = "\n".join(f"{e['kind']}: {e['data']}" for e in events) + f"\n{call}"
    assert len(said) >= 5, f"the assistant heard too little:\n{transcript}"
    assert len(replies) >= 6, f"both sides are stored with the call:\n{transcript}"
    assert any("heating" in s.lower() for s in said), transcript

    db = Database(pg_database)
    try:
        async with db.connection() as conn:
            cur = await conn.execute("SELECT name, phone, starts_at FROM appointments")
            rows = await cur.fetchall()
    finally:
        await db.close()
    assert len(rows) == 1, f"no booking in the database:\n{transcript}"
    name, phone, starts_at = rows[0]
    assert "smith" in name.lower(), rows
    assert phone.endswith("89123456"), rows  # the number the caller called from
    assert starts_at.weekday() == 1 and starts_at.astimezone(ZoneInfo("Europe/Berlin")).hour == 10
    # the owner sees the call, both sides of it, and the booking in the console
    assert "heating" in console["call"].lower() and "Assistenz" in console["call"]
    assert "smith" in console["appointments"].lower()
    # and the day's report, sent through a real SMTP server, counts the call and the booking
    assert (report.calls_answered, report.appointments_booked) == (1, 1), report
    assert report.resolved == 1, report


async def _report_of_today(
    settings: Settings, database: Database, smtp: tuple[Mailbox, int]
) -> ReportFigures:
    box, port = smtp
    mailing = settings.model_copy(update={
        "smtp": SmtpSettings(port=port, sender="assistent@mueller.example"),
        "report": ReportSettings(to=["chefin@mueller.example"]),
    })  # fmt: skip
    today = datetime.now(settings.business.tz).date()
    report = await make_report(mailing, database, today, today)
    assert await send_report(mailing, report) == ["chefin@mueller.example"]
    (mail,) = box.messages
    assert {p.get_content_type() for p in mail.walk()} >= {"text/plain", "text/html", "image/png"}
    return report.figures


async def _console_pages(address: str, database: Database, call_id: str) -> dict[str, str]:
    await Users(database).add("owner", "a-long-password-1", "owner")
    async with httpx.AsyncClient(base_url=f"http://{address}") as web:
        login = {"username": "owner", "password": "a-long-password-1"}
        assert (await web.post("/login", data=login)).status_code == 303
        calls = (await web.get("/calls")).text
        assert f"/calls/{call_id}" in calls, calls[-2000:]
        return {
            "call": html.unescape((await web.get(f"/calls/{call_id}")).text),
            "appointments": (await web.get("/work/appointments")).text,
        }


def _barge_in_delays() -> list[float]:
    """How far into the answer the caller interrupts: once in CI; `make bench` sets
    several (RUFBEREIT_BENCH_BARGE_IN), so the number is not one moment's luck."""
    raw = os.environ.get("RUFBEREIT_BENCH_BARGE_IN", "1.0")
    return [float(x) for x in raw.split(",") if x.strip()]


_BARGE_INS: list[dict[str, float]] = []


@pytest.mark.parametrize("delay_s", _barge_in_delays())
async def test_barge_in_stops_the_reply(
    lab: None, pg_database: str, tmp_path: Path, caller_voice: CallerVoice, delay_s: float
) -> None:
    """The caller talks over a long answer: the assistant's audio stops within 300 ms.
    (The greeting itself cannot be talked over: it carries the privacy notice.)"""
    question = await caller_voice("What are your opening hours?")
    interruption = await caller_voice("Sorry to interrupt, I need a plumber for a leaking pipe.")
    measured: dict[str, float] = {"delay_s": delay_s}
    onset_wall = datetime.now(UTC)

    async def conversation(rtp: RtpEndpoint) -> None:
        nonlocal onset_wall
        await rtp.wait_for_peer(10)
        line = Line(rtp, idle_ms=20)  # the caller's words start within 20 ms
        sender = asyncio.create_task(line.run())
        try:
            onset, onset_epoch = await line.talk_over_the_answer(question, interruption, delay_s)
            onset_wall = datetime.fromtimestamp(onset_epoch, UTC)
            window_end = onset + len(interruption) / 16000
            late = [t for t in line.loud_since(onset) if t <= window_end]
            measured["quiet_after_ms"] = (max(late, default=onset) - onset) * 1000
            measured["loud_before"] = len(line.loud_since(onset - 1.0)) - len(late)
        finally:
            sender.cancel()

    async with running_agent(_settings(pg_database, tmp_path)) as agent:
        result = await place_call("800", hold_s=30, timeout=60, during=conversation)
        assert result.ok, result.error_text
        await asyncio.sleep(0.5)
        calls = await agent.call_log.recent_calls(1)
        events = await agent.call_log.events(calls[0]["id"])
        kinds = [e["kind"] for e in events]
    assert "quiet_after_ms" in measured, "the caller did not get to interrupt"
    assert measured["loud_before"] > 0, "the answer was not playing when the caller spoke"
    assert "barge_in" in kinds, kinds
    barge = next(e for e in events if e["kind"] == "barge_in")
    # The agent's part: its VAD's speech start to stopping the reply (audio time) ...
    measured["agent_detect_ms"] = barge["data"].get("detect_ms", -1)
    measured["echo_loss_db"] = barge["data"].get("echo_loss_db") or -1
    # ... and when it stopped the reply, on the caller's clock (same machine).
    measured["agent_stopped_after_ms"] = (barge["at"] - onset_wall).total_seconds() * 1000
    # Stopped at the caller: quiet there, and never before the agent stopped sending (a
    # pause between words can fall quiet sooner). The path back is in the 300 ms promise.
    stopped = max(measured["quiet_after_ms"], measured["agent_stopped_after_ms"])
    measured["stopped_after_ms"] = stopped
    _BARGE_INS.append({k: round(v, 1) for k, v in measured.items()})
    _write_json(Path("bench/barge_in.json"), _barge_in_summary(_BARGE_INS))
    assert stopped <= 300, measured


def _barge_in_summary(runs: list[dict[str, float]]) -> dict[str, object]:
    stops = sorted(r["stopped_after_ms"] for r in runs)
    return {
        "what": "caller starts talking over a long answer -> reply audio stopped (ms)",
        "n": len(stops),
        "median_ms": round(statistics.median(stops), 1),
        "max_ms": stops[-1],
        "runs": runs,
    }


@pytest.mark.parametrize(("gate", "interrupted"), [(True, False), (False, True)])
async def test_the_assistant_never_hears_its_own_voice_coming_back(
    lab: None, pg_database: str, tmp_path: Path, gate: bool, interrupted: bool
) -> None:
    """The caller's phone sends the greeting back 20 dB down (an echo far worse than a
    handset's). With the echo gate the assistant never hears itself; with the gate off
    it takes its own echo for the caller: the check is not vacuous."""

    async def conversation(rtp: RtpEndpoint) -> None:
        await rtp.wait_for_peer(10)
        line = Line(rtp, echo_db=20)
        sender = asyncio.create_task(line.run())
        try:
            await line.assistant_done(quiet_s=2.0)
        finally:
            sender.cancel()

    settings = _settings(pg_database, tmp_path)
    assert settings.stt is not None
    stt = settings.stt.model_copy(update={"echo_gate": gate})
    async with running_agent(settings.model_copy(update={"stt": stt})) as agent:
        result = await place_call("800", hold_s=18, timeout=45, during=conversation)
        assert result.ok, result.error_text
        await asyncio.sleep(0.5)
        calls = await agent.call_log.recent_calls(1)
        kinds = [e["kind"] for e in await agent.call_log.events(calls[0]["id"])]
    heard_itself = "caller_said" in kinds or "barge_in" in kinds
    assert heard_itself is interrupted, kinds


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")
