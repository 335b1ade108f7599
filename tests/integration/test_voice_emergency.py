"""An emergency by voice after hours, end to end: the caller waits on the line while the
on-call technician's phone rings, the technician presses 1, the caller hears who took it.

Real Asterisk, real PostgreSQL, the agent as in production (`running_agent`), a sipp
caller speaking English sentences (Piper voice) that Whisper tiny.en hears, and a sipp
technician phone (PJSIP/oncall1) that answers and presses 1.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from agent.app import running_agent
from agent.config import Settings, load_settings
from agent.profile import OnCall, OpeningHours
from agent.speech.audio import rms
from agent.storage import Database
from tests.escalation.phones import pressing_phone
from tests.support.lab_line import CallerVoice, Line, converse, finished_call
from tests.support.phones import RtpEndpoint, dbfs, place_call

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SENTENCES = [
    "Help, there is a burst pipe in our kitchen.",
    "Five High Street, Munich.",
    "Yes.",
    "Yes.",
]
ROTA = {
    "people": [
        {"name": "Thomas Huber", "phone": "PJSIP/oncall1", "sms": "+4915112345671"},
        {"name": "Stefan Gruber", "phone": "PJSIP/oncall2", "sms": "+4915112345672"},
    ],
    "shifts": [
        {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00",
         "end": "23:59", "person": "Thomas Huber"},
        {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "23:59",
         "end": "00:00", "person": "Thomas Huber"},
    ],
    "attempts_per_person": 1,
    "retry_after_s": 10,
    "ring_timeout_s": 10,
    "caller_hold_s": 90,
}  # fmt: skip


def _after_hours(pg_database: str, tmp_path: Path) -> Settings:
    settings = load_settings(
        env={
            "RUFBEREIT_DATABASE_URL": pg_database,
            "RUFBEREIT_SPOOL_DIR": str(tmp_path / "spool"),
            "RUFBEREIT_LANGUAGE": "en",
            "RUFBEREIT_STT_BACKEND": "whisper",
        }
    )
    business = settings.business.model_copy(
        update={
            "opening_hours": OpeningHours(),  # closed all week: always after hours
            "holidays": [],
            "on_call": OnCall.model_validate(ROTA),
        }
    )
    return settings.model_copy(update={"business": business})


async def test_the_caller_waits_and_hears_that_the_technician_took_it(
    lab: None, pg_database: str, tmp_path: Path, caller_voice: CallerVoice
) -> None:
    voices = [await caller_voice(s) for s in SENTENCES]
    wall_minus_monotonic = time.time() - time.monotonic()  # to place packets on the record

    async def wait_on_the_line(line: Line) -> None:
        await asyncio.sleep(120)  # until the assistant tells them and hangs up

    async def conversation(rtp: RtpEndpoint) -> None:
        await converse(rtp, voices, then=wait_on_the_line)

    # The technician answers and presses 1 once the emergency has been read out.
    async with (
        pressing_phone("oncall1", "1", delay_ms=3000) as technician,
        running_agent(_after_hours(pg_database, tmp_path)) as agent,
    ):
        result = await place_call(
            "800", hold_s=150, timeout=170, during=conversation, wait_for_hangup=True
        )
        assert result.ok, result.error_text
        _, events = await finished_call(agent.call_log)
        technician_calls = technician.calls
    transcript = "\n".join(f"{e['kind']}: {e['data']}" for e in events)
    kinds = [e["kind"] for e in events]
    assert technician_calls == 1, f"the technician's phone did not ring once:\n{transcript}"
    ends = [e["data"] for e in events if e["kind"] == "escalation_end"]
    assert ends == [{"acknowledged": True, "told": True}], transcript
    told_at = kinds.index("escalation_end")
    after = [e["data"]["text"] for e in events[told_at:] if e["kind"] == "assistant_said"]
    assert after and "Thomas Huber" in after[0], transcript
    # the caller heard it: loud audio at the phone after the technician's answer arrived
    told_wall = events[told_at]["at"].timestamp()
    ack_audio = [
        p
        for p in result.audio_packets
        if p.at + wall_minus_monotonic > told_wall and dbfs(rms(p.pcm)) > -40
    ]
    assert len(ack_audio) > 50, "the caller did not hear the technician's answer (1 s+)"

    db = Database(pg_database)
    try:
        async with db.connection() as conn:
            cur = await conn.execute(
                "SELECT state, acknowledged_by, caller_told_at FROM escalations"
            )
            rows = await cur.fetchall()
            cur = await conn.execute(
                "SELECT purpose, person FROM escalation_notifications ORDER BY purpose"
            )
            notices = await cur.fetchall()
    finally:
        await db.close()
    assert len(rows) == 1, rows
    state, by, caller_told_at = rows[0]
    assert (state, by) == ("acknowledged", "Thomas Huber") and caller_told_at is not None
    # the technician gets the details in writing; the caller, told on the line, no SMS
    assert "caller_acknowledged" not in {p for p, _ in notices}, notices
    assert any(p == "acknowledged" for p, _ in notices), notices
