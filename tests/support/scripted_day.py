"""A scripted day of calls for the owner's report and console: 24 whole calls of the
conversation corpus (every scenario; morning, lunch, afternoon and night of Monday
23 November 2026) replayed through the real dialogue engine into PostgreSQL with the
agent's own stores (calendar, records, call log); the on-call rota's answer to the
night's emergencies is written as the escalation service writes it. With
``transcripts``, what both sides said and the actions go into ``call_events`` as the
voice conversation writes them, for the console's transcripts."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from agent.actions.services import ActionServices
from agent.config import Settings
from agent.conversations.replay import replay
from agent.conversations.script import ScriptedCall, load_corpus
from agent.dialogue.simulate import load_backend
from agent.storage.call_records import CallAnswered, CallEnded, CallEvent, CallStarted, apply
from agent.storage.database import Database

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


async def play_the_day(
    db: Database, settings: Settings, *, transcripts: bool = False
) -> Counter[str]:
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
            if transcripts:
                await _transcript(conn, call_id, now, out.lines, out.actions)
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


async def _transcript(
    conn: Any, call_id: uuid.UUID, start: datetime, lines: list[tuple[str, str]],
    actions: list[dict[str, Any]],
) -> None:  # fmt: skip
    at = start + timedelta(seconds=1)
    for who, text in lines:
        at += timedelta(seconds=4)
        kind = "caller_said" if who == "caller" else "assistant_said"
        await apply(conn, CallEvent(call_id, kind, {"text": text}, at))
    for action in actions:
        data = {"type": action["type"], "record": action["saves"]}
        await apply(conn, CallEvent(call_id, "action", {k: v for k, v in data.items() if v}, at))
