"""`make report-day` (not in `make test`: it takes minutes): a scripted day of whole German
calls placed as real voice calls through the lab Asterisk to the agent, then the day's
report sent through a real SMTP server, and its figures checked against the database.

- A fresh database; the agent in process (``running_agent``) with the demo's profile
  (lab/demo_profile.py: closed today, Thomas Huber on call now, Whisper base for German)
  plus ``smtp:`` to a local aiosmtpd server and ``report.to``.
- The calls: from the German corpus (tests/conversations/de), per scenario the first
  ``--per-scenario`` calls (default 3) that fit the real moment of the run: a call at a
  moment the office is closed (after hours, night, weekend, holiday, Friday afternoon),
  or, for the scenarios whose records do not depend on the hour (appointment, lead,
  order, message, privacy), at any moment; with a caller number (the lab phone cannot
  withhold it) and without bookings that must exist before the call. They are placed in
  turns of the scenarios, ``--parallel`` (1 or 2) at a time: a sipp phone speaks the
  script's lines (espeak-ng German over G.722, the demo's caller) each after the assistant
  has answered the one before; the technician's lab phone (PJSIP/oncall1) answers every
  call and presses 1. After its last line the caller stays on the line (up to 150 s when
  the script expects an emergency, else 20 s) for the assistant to end the call, then
  hangs up (the caller's channel is hung up through ARI: the lab phone's sipp scenario
  cannot hang up on demand).
- Then ``make_report`` for today and ``send_report``: the e-mail must arrive with a text
  part, an HTML part and the chart inline.
- Checks, printed as a table: each report figure against the database's ground truth
  (counted here with our own SQL) and next to what the scripts expect. How many calls
  ended as their script expects (record kinds and counts, and the end) is reported per
  scenario, not failed on: speech recognition can slip, and the corpus's dates are those
  of November 2026. Exit 1 if a report figure differs from the database, fewer than 20
  calls were placed, or the mail did not arrive.
- Results: the ``report_day`` key of bench/results.json; the report's HTML and a
  screenshot in build/artifacts (report-day.html, report-day.png); the agent's log in
  build/artifacts/report-day-agent.log.

    python -m bench.report_day [--per-scenario 3] [--parallel 1|2]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.app import running_agent
from agent.config import Settings, load_settings
from agent.conversations.script import RECORD_KINDS, ScriptedCall, load_corpus
from agent.dialogue.simulate import parse_line
from agent.report.service import Report, make_report, send_report
from agent.speech import packaged_whisper
from agent.storage import Database
from bench.run import BENCH, fresh_database, machine, pct
from lab.demo_profile import demo_profile
from tests.escalation.phones import pressing_phone
from tests.support.browser import REPO, artifacts, screenshot
from tests.support.lab import ari_client, stop_demo_agent
from tests.support.lab_line import Line, converse, espeak_caller_voice
from tests.support.phones import RtpEndpoint, place_call
from tests.support.smtp import running_smtp

log = logging.getLogger("bench.report_day")

CORPUS = REPO / "tests" / "conversations" / "de"
SCENARIOS = ("appointment", "lead", "order", "faq", "message", "handover", "emergency",
             "privacy")  # fmt: skip
#: the corpus's moments at which the office is closed, as it is all day in the demo profile
CLOSED = {"after_hours", "night", "weekend", "holiday", "friday_afternoon"}
#: scenarios whose records are the same whether the office is open or not
ANY_HOUR = {"appointment", "lead", "order", "message", "privacy"}
MIN_CALLS = 20
DATABASE = "rufbereit_report_day"
RECIPIENT = "chef@mueller.example"
#: how a script's end shows in calls.outcome (agent/telephony/call.py CallOutcome)
ENDS = {"hangup": {"completed"}, "hold": {"completed"}, "handover": {"handover", "taken_over"},
        "none": {"caller_hangup"}}  # fmt: skip
TABLES = {  # corpus record kind -> table with a call_id column
    "appointments": "appointments", "leads": "leads", "orders": "orders",
    "messages": "messages", "escalations": "escalation_requests",
    "privacy_requests": "privacy_requests",
}  # fmt: skip


# ---------------------------------------------------------------------------- the day


def fits(scenario: str, call: ScriptedCall) -> bool:
    """A call that can take place now with the demo profile (closed today)."""
    if call.caller is None or call.booked:
        return False
    if any((e := parse_line(line)) is not None and e[0] in ("dtmf", "silence")
           for line in call.say):  # fmt: skip
        return False
    return call.at in CLOSED or scenario in ANY_HOUR


def the_day(per_scenario: int) -> list[tuple[str, ScriptedCall]]:
    """Per scenario the first ``per_scenario`` calls that fit, in turns of the scenarios
    (the first of each, then the second of each, ...)."""
    chosen: dict[str, list[ScriptedCall]] = {}
    for corpus in load_corpus(sorted(CORPUS.glob("*.yaml"))):  # not heldout/, fresh/
        if corpus.scenario in SCENARIOS:
            fitting = [c for c in corpus.calls if fits(corpus.scenario, c)]
            chosen[corpus.scenario] = fitting[:per_scenario]
    day: list[tuple[str, ScriptedCall]] = []
    for i in range(per_scenario):
        day += [(s, chosen[s][i]) for s in SCENARIOS if i < len(chosen.get(s, []))]
    return day


def expected_records(call: ScriptedCall) -> dict[str, int]:
    """Record kind -> how many the script expects ("messages" split into message and
    callback as the report counts them)."""
    out = {kind: len(getattr(call.expect, kind)) for kind in RECORD_KINDS}
    kinds = [str(m.get("kind", "message")) for m in call.expect.messages]
    out["messages_callback"] = sum(k == "callback" for k in kinds)
    out["messages_message"] = out["messages"] - out["messages_callback"]
    return out


@dataclass
class Placed:
    scenario: str
    call: ScriptedCall
    ok: bool = False  # sipp saw no error
    reached_agent: bool = False  # the agent recorded the call as answered
    call_id: str | None = None
    channel_id: str | None = None
    outcome: str | None = None
    records: dict[str, int] = field(default_factory=dict)
    hung_up_by_caller: bool = False
    latencies: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def as_scripted(self) -> bool:
        expected = expected_records(self.call)
        same = all(self.records.get(k, 0) == expected[k] for k in (*RECORD_KINDS,
                   "messages_callback"))  # fmt: skip
        return self.reached_agent and same and self.outcome in ENDS[self.call.expect.end]


# ---------------------------------------------------------------------------- the agent


def day_settings(folder: Path, database_url: str, smtp_port: int) -> tuple[Settings, Path]:
    """The demo's profile (closed today, Thomas Huber on call now, Whisper de) with SMTP to
    the local server and the report to ``RECIPIENT``; the agent's own report job sends
    nothing (this run sends the day's report itself)."""
    data = demo_profile(datetime.now().astimezone())
    data["smtp"] = {"host": "127.0.0.1", "port": smtp_port, "sender": "assistent@mueller.example"}
    data["report"] = {"to": [RECIPIENT], "daily_at": None, "weekly_on": None}
    data.setdefault("console", {})["bind"] = "off"
    path = folder / "profile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    env = {"RUFBEREIT_DATABASE_URL": database_url, "RUFBEREIT_SPOOL_DIR": str(folder / "spool")}
    return load_settings(path, env=env), path


async def _rows(db: Database, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    async with db.connection() as conn:
        return list(await (await conn.execute(sql, args)).fetchall())


# ---------------------------------------------------------------------------- a call


async def _my_channel(rtp: RtpEndpoint, within: float = 15.0) -> str | None:
    """The caller's channel in Asterisk: the PJSIP channel that sends its audio to this
    phone's RTP port (two calls may run at once, often from the same number)."""
    deadline = time.monotonic() + within
    async with ari_client() as ari:
        while time.monotonic() < deadline:
            channels = (await ari.get("/channels")).json()
            for ch in channels:
                if not ch["name"].startswith("PJSIP/caller-"):
                    continue
                r = await ari.get(f"/channels/{ch['id']}/variable",
                                  params={"variable": "CHANNEL(rtp,dest)"})  # fmt: skip
                if r.status_code == 200 and str(r.json().get("value", "")).endswith(f":{rtp.port}"):
                    return str(ch["id"])
            await asyncio.sleep(0.3)
    return None


async def _hang_up(channel_id: str) -> bool:
    async with ari_client() as ari:
        r = await ari.delete(f"/channels/{channel_id}")
        return r.status_code == 204


async def place(placed: Placed, voices: list[bytes], db: Database) -> None:
    call = placed.call
    escalates = bool(call.expect.escalations)
    stay_s = 150.0 if escalates else 20.0
    hold_s = 60 + 30 * len(voices) + stay_s

    finding: list[asyncio.Task[str | None]] = []

    async def talk(rtp: RtpEndpoint) -> None:
        finding.append(asyncio.create_task(_my_channel(rtp)))

        async def stay(line: Line) -> None:
            await asyncio.sleep(stay_s)  # the assistant ends the call, or the caller does

        try:
            await converse(rtp, voices, latencies=placed.latencies, then=stay)
        except (AssertionError, TimeoutError) as exc:
            placed.problems.append(f"caller: {exc or type(exc).__name__}")
        channel = await asyncio.shield(finding[0])
        if channel and await _hang_up(channel):
            placed.hung_up_by_caller = True

    t0 = time.monotonic()
    result = await place_call(
        "800", hold_s=hold_s, caller_number=call.caller or "", timeout=hold_s + 40,
        during=talk, codec="g722",
    )  # fmt: skip
    placed.seconds = round(time.monotonic() - t0, 1)
    placed.ok = result.ok
    if not result.ok:
        placed.problems.append(f"sipp: {result.error_text.splitlines()[0:1]}")
    if finding:  # found while the call was up (this also runs when the assistant hung up)
        with contextlib.suppress(Exception):
            placed.channel_id = await asyncio.wait_for(finding[0], 20)
    if placed.channel_id is None:
        placed.problems.append("its channel was not found in Asterisk")
        return
    row: tuple[Any, ...] | None = None
    for _ in range(150):  # the record is completed a moment after the hang-up
        rows = await _rows(db, "SELECT id, answered_at, ended_at, outcome FROM calls"
                           " WHERE channel_id = %s", placed.channel_id)  # fmt: skip
        if rows and rows[0][2] is not None:
            row = rows[0]
            break
        await asyncio.sleep(0.1)
    if row is None:
        placed.problems.append("the agent has no finished record of it")
        return
    placed.call_id, placed.outcome = str(row[0]), row[3]
    placed.reached_agent = row[1] is not None
    for kind, table in TABLES.items():
        (n,) = (await _rows(db, f"SELECT count(*) FROM {table} WHERE call_id = %s", row[0]))[0]
        placed.records[kind] = int(n)
    (callbacks,) = (await _rows(db, "SELECT count(*) FROM messages WHERE call_id = %s"
                                " AND kind = 'callback'", row[0]))[0]  # fmt: skip
    placed.records["messages_callback"] = int(callbacks)


# ---------------------------------------------------------------------------- the figures


async def all_finished(db: Database, within: float = 60.0) -> None:
    """Wait until the agent has completed the record of every call (outcome and end are
    written a moment after the hang-up): the report must count finished calls."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not await _rows(db, "SELECT id FROM calls WHERE ended_at IS NULL"):
            return
        await asyncio.sleep(0.5)


async def ground_truth(db: Database, settings: Settings, day: date) -> dict[str, int]:
    """The day's figures counted straight from the tables (not through the report's code)."""
    tz = settings.business.tz
    start = datetime.combine(day, datetime.min.time(), tz)
    window = (start, start + timedelta(days=1))
    calls = await _rows(db, "SELECT started_at, outcome FROM calls WHERE started_at >= %s"
                        " AND started_at < %s AND answered_at IS NOT NULL", *window)  # fmt: skip

    async def count(sql: str) -> int:
        return int((await _rows(db, sql, *window))[0][0])

    created = "created_at >= %s AND created_at < %s"
    return {
        "calls_answered": len(calls),
        "after_hours": sum(not settings.business.is_open(at) for at, _ in calls),
        "resolved": sum(o == "completed" for _, o in calls),
        "handed_over": sum(o in ("handover", "taken_over") for _, o in calls),
        "appointments_booked": await count(
            f"SELECT count(*) FROM appointments WHERE {created} AND status = 'booked'"
        ),
        "leads": await count(f"SELECT count(*) FROM leads WHERE {created}"),
        "orders": await count(f"SELECT count(*) FROM orders WHERE {created}"),
        "messages": await count(
            f"SELECT count(*) FROM messages WHERE {created} AND kind = 'message'"
        ),
        "callbacks_requested": await count(
            f"SELECT count(*) FROM messages WHERE {created} AND kind = 'callback'"
        ),
        "callbacks_open": int(
            (
                await _rows(
                    db,
                    "SELECT count(*) FROM messages WHERE kind = 'callback' AND status = 'open'"
                    " AND created_at < %s",
                    window[1],
                )
            )[0][0]
        ),
        "emergencies": await count(f"SELECT count(*) FROM escalation_requests WHERE {created}"),
        "emergencies_acknowledged": await count(
            "SELECT count(DISTINCT e.id) FROM escalations e JOIN escalation_attempts a"
            " ON a.escalation_id = e.id WHERE a.outcome = 'acknowledged'"
            " AND e.created_at >= %s AND e.created_at < %s"
        ),
        "privacy_requests": await count(f"SELECT count(*) FROM privacy_requests WHERE {created}"),
    }


def report_figures(report: Report) -> dict[str, int]:
    f = report.figures
    return {
        "calls_answered": f.calls_answered, "after_hours": f.after_hours,
        "resolved": f.resolved, "handed_over": f.handed_over,
        "appointments_booked": f.appointments_booked, "leads": f.leads, "orders": f.orders,
        "messages": f.messages, "callbacks_requested": f.callbacks_requested,
        "callbacks_open": f.callbacks_open, "emergencies": f.emergencies,
        "emergencies_acknowledged": f.emergencies_acknowledged,
        "privacy_requests": f.privacy_requests,
    }  # fmt: skip


def scripted(day: list[Placed]) -> dict[str, int]:
    """What the day would show if every call went as its script says."""
    total: Counter[str] = Counter()
    for p in day:
        for kind, n in expected_records(p.call).items():
            total[kind] += n
    ends = Counter(p.call.expect.end for p in day)
    return {
        "calls_answered": len(day), "after_hours": len(day),
        "resolved": ends["hangup"] + ends["hold"], "handed_over": ends["handover"],
        "appointments_booked": total["appointments"], "leads": total["leads"],
        "orders": total["orders"], "messages": total["messages_message"],
        "callbacks_requested": total["messages_callback"],
        "callbacks_open": total["messages_callback"], "emergencies": total["escalations"],
        "emergencies_acknowledged": total["escalations"],
        "privacy_requests": total["privacy_requests"],
    }  # fmt: skip


def mail_parts(msg: Message, cid: str) -> dict[str, bool]:
    kinds = {part.get_content_type(): part for part in msg.walk()}
    html = kinds.get("text/html")
    png = kinds.get("image/png")
    html_text = html.get_content() if html is not None else ""  # type: ignore[attr-defined]
    return {
        "text": "text/plain" in kinds,
        "html": html is not None,
        "chart_inline": png is not None
        and str(png.get("Content-ID", "")).strip("<>") == cid
        and f"cid:{cid}" in html_text
        and png.get_payload(decode=True)[:8] == b"\x89PNG\r\n\x1a\n",  # type: ignore[index]
    }


# ---------------------------------------------------------------------------- the run


@contextlib.asynccontextmanager
async def _agent_log(path: Path) -> AsyncIterator[None]:
    """The agent's log to a file, not over the table."""
    handler = logging.FileHandler(path, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield
    finally:
        root.removeHandler(handler)
        handler.close()


async def run_day(
    per_scenario: int, parallel: int, limit: int | None = None
) -> tuple[dict[str, Any], bool]:
    if not packaged_whisper.available():
        raise SystemExit(f"the German Whisper base is missing: {packaged_whisper.INSTALL_HINT}")
    day = [Placed(s, c) for s, c in the_day(per_scenario)][:limit]
    voice = espeak_caller_voice(sample_rate=16000)  # G.722: 16 kHz on the wire
    database_url = await fresh_database(DATABASE)
    out_dir = artifacts()
    voices: list[list[bytes]] = []
    for p in day:  # espeak-ng is deterministic: the same audio every run
        texts = [e[1] for line in p.call.say if (e := parse_line(line)) and e[0] == "text"]
        voices.append([await voice(t) for t in texts])
    t0 = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="rufbereit-report-day-") as tmp,
        running_smtp() as (
            box,
            port,
        ),
    ):
        settings, _ = day_settings(Path(tmp), database_url, port)
        today = datetime.now(settings.business.tz).date()
        async with (
            _agent_log(out_dir / "report-day-agent.log"),
            pressing_phone("oncall1", "1", delay_ms=3000) as technician,
            running_agent(settings),
        ):
            db = Database(database_url)

            queue = list(enumerate(day, 1))  # in the day's order, ``parallel`` at a time

            async def line() -> None:
                while queue:
                    n, placed = queue.pop(0)
                    await place(placed, voices[n - 1], db)
                    mark = "as scripted" if placed.as_scripted else "differs"
                    print(f"  {n:2}/{len(day)} {placed.scenario:11} {placed.call.id:45} "
                          f"{placed.seconds:5.0f} s  {placed.outcome or '-':13} {mark}"
                          + (f"  ({'; '.join(placed.problems)})" if placed.problems else ""),
                          flush=True)  # fmt: skip

            print(f"report-day: {len(day)} calls, {parallel} at a time ...", flush=True)
            await asyncio.gather(*(line() for _ in range(parallel)))
            calls_wall_s = time.monotonic() - t0
            rang = technician.calls
            await all_finished(db)
            report = await make_report(settings, db, today, today)
            truth = await ground_truth(db, settings, today)
            sent_to = await send_report(settings, report)
            with contextlib.suppress(AssertionError):
                await box.wait_for(1, within=20)
            mails = [m for m in box.messages if m["Subject"] == report.rendered.subject]
            await db.close()
    wall_s = time.monotonic() - t0

    figures = report_figures(report)
    expected = scripted(day)
    placed_n = sum(p.ok or p.reached_agent for p in day)
    reached = sum(p.reached_agent for p in day)
    parts = mail_parts(mails[0], report.chart_cid) if mails else {}
    mail_ok = len(mails) == 1 and all(parts.values()) and bool(parts)
    mismatches = [k for k in figures if figures[k] != truth[k]]

    html = report.rendered.html.replace(f"cid:{report.chart_cid}", "report-day-chart.png")
    (out_dir / "report-day-chart.png").write_bytes(report.chart_png)
    page = out_dir / "report-day.html"
    page.write_text(html, encoding="utf-8")
    shot = out_dir / "report-day.png"
    shot_problem = ""
    try:
        screenshot(page, shot, width=700, height=900)
    except (Exception, pytest.fail.Exception) as exc:  # no browser: said, not fatal
        shot_problem = str(exc)[:300]

    latencies = [x for p in day for x in p.latencies]
    by_scenario = {
        s: {"placed": sum(p.scenario == s for p in day),
            "as_scripted": sum(p.scenario == s and p.as_scripted for p in day)}
        for s in SCENARIOS
    }  # fmt: skip
    result: dict[str, Any] = {
        "what": (
            f"a scripted day: {len(day)} whole German calls of the corpus (per scenario "
            f"the first {per_scenario} that fit a closed day) by voice through the lab "
            f"Asterisk (espeak-ng over G.722 -> Whisper base), {parallel} at a time; "
            "then the day's report by SMTP (aiosmtpd)"
        ),
        "day": str(today),
        "parallel": parallel,
        "calls_placed": placed_n,
        "calls_reached_agent": reached,
        "calls_as_scripted": sum(p.as_scripted for p in day),
        "per_scenario": by_scenario,
        "report": figures,
        "database": truth,
        "scripted": expected,
        "mismatches": mismatches,
        "mail": {"arrived": len(mails), "to": sent_to, **parts},
        "technician_phone_rang": rang,
        "wall_time_s": round(wall_s, 1),
        "calls_wall_time_s": round(calls_wall_s, 1),
        "reply_latency_s": {
            "n": len(latencies),
            "p50": round(pct(latencies, 0.5), 3) if latencies else None,
            "p95": round(pct(latencies, 0.95), 3) if latencies else None,
        },
        "calls": [
            {
                "id": p.call.id,
                "scenario": p.scenario,
                "at": p.call.at,
                "sipp_ok": p.ok,
                "reached_agent": p.reached_agent,
                "outcome": p.outcome,
                "expected_end": p.call.expect.end,
                "records": p.records,
                "expected_records": {k: v for k, v in expected_records(p.call).items() if v},
                "as_scripted": p.as_scripted,
                "caller_hung_up": p.hung_up_by_caller,
                "seconds": p.seconds,
                "problems": p.problems,
            }
            for p in day
        ],
        "artifacts": [str(page), str(shot)],
        "screenshot_problem": shot_problem or None,
        **machine(),
    }
    ok = not mismatches and placed_n >= MIN_CALLS and mail_ok
    return result, ok


def print_table(result: dict[str, Any]) -> None:
    labels = {
        "calls_answered": "calls answered", "after_hours": "of them after hours",
        "resolved": "resolved by the assistant", "handed_over": "handed over",
        "appointments_booked": "appointments booked", "leads": "leads", "orders": "orders",
        "messages": "messages", "callbacks_requested": "call-backs requested",
        "callbacks_open": "call-backs open", "emergencies": "emergencies",
        "emergencies_acknowledged": "emergencies acknowledged",
        "privacy_requests": "privacy requests",
    }  # fmt: skip
    print(f"\n{'figure':28} {'report':>7} {'database':>9} {'scripted':>9}")
    for key, label in labels.items():
        report, truth = result["report"][key], result["database"][key]
        flag = "" if report == truth else "   <- DIFFERS"
        print(f"{label:28} {report:>7} {truth:>9} {result['scripted'][key]:>9}{flag}")
    print(f"\n{'scenario':12} {'placed':>6} {'as scripted':>12}")
    for s, n in result["per_scenario"].items():
        print(f"{s:12} {n['placed']:>6} {n['as_scripted']:>12}")
    lat = result["reply_latency_s"]
    print(
        f"\ncalls placed {result['calls_placed']} (reached the agent "
        f"{result['calls_reached_agent']}), as scripted {result['calls_as_scripted']}; "
        f"mail: {result['mail']}; technician's phone rang {result['technician_phone_rang']}x;"
        f" reply latency p50 {lat['p50']} s, p95 {lat['p95']} s (n={lat['n']}); "
        f"wall time {result['wall_time_s']:.0f} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report_day")
    parser.add_argument("--per-scenario", type=int, default=3)
    parser.add_argument("--parallel", type=int, choices=(1, 2), default=2)
    parser.add_argument("--calls", type=int, help="only the day's first N calls (a try-out)")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results.json")
    args = parser.parse_args()
    stop_demo_agent()  # one agent on the lab's Stasis app
    result, ok = asyncio.run(run_day(args.per_scenario, args.parallel, args.calls))
    print_table(result)
    if not args.no_save:
        out = BENCH / "results.json"
        results = json.loads(out.read_text()) if out.exists() else {}
        results["report_day"] = result
        out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    problems = []
    if result["mismatches"]:
        problems.append(f"report figures differ from the database: {result['mismatches']}")
    if result["calls_placed"] < MIN_CALLS:
        problems.append(f"only {result['calls_placed']} calls placed (at least {MIN_CALLS})")
    if not (result["mail"].get("arrived") == 1 and all(
        result["mail"].get(k) for k in ("text", "html", "chart_inline"))):  # fmt: skip
        problems.append(f"the report's e-mail did not arrive whole: {result['mail']}")
    print("report-day: OK" if ok else "report-day: FAILED: " + "; ".join(problems))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
