"""German calls by voice through the real Asterisk: a booking, an after-hours emergency,
a handover and a barge-in.

The caller is a sipp phone whose audio the test speaks: German sentences from espeak-ng
(the project's own engine, two voices: "de" at 160 words a minute for the booking and the
emergency, "de+m3" at 140 for the handover and the barge-in), sent in the phone's codec.
The assistant runs in-process (``running_agent``) with the German example profile, hears
the caller with the multilingual Whisper base (language de, beam ``BEAM``) and answers
with its German voice.

Codecs, as German lines have them: the booking and the barge-in over **G.722** (wideband:
16 kHz on the wire), the emergency and the handover over **A-law** (8 kHz, Germany's
usual narrowband codec), with the technician's and the office's phones on A-law too. Each
test checks that Asterisk really negotiated the codec (``CHANNEL(audionativeformat)`` of
the caller's channel); tests/integration/test_lab_codecs.py checks the phones themselves.

The caller listens (``answer_questions``): it answers the question the assistant asked
(read from the call's events), so a slip that makes the assistant ask again gets the same
answer again, as from a real caller. The sentences are ones Whisper base hears well
enough in their codec; at 8 kHz it hears little exactly ("Marienplatz eins in München"
comes out as "Marvientraht ein Sinn wünschen"), and these tests show that the dialogue
still gets the job done. What the agent heard, turn by turn, is printed and is in every
assertion message.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from agent.app import running_agent
from agent.config import Settings, example_profile_data, load_settings
from agent.speech import packaged_whisper
from agent.speech.audio import rms
from agent.storage import CallEventRow, CallLog, CallRow, Database
from tests.escalation.phones import pressing_phone
from tests.support.lab import ari_client
from tests.support.lab_line import CallerVoice, Line, answer_questions, espeak_caller_voice
from tests.support.phones import RtpEndpoint, as_codec, dbfs, place_call
from tests.support.polling import until

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ASSISTANT = "800"
#: the recogniser's beam (the product default is 1)
BEAM = 1
WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
BERLIN = ZoneInfo("Europe/Berlin")
HANDOVER_PREFIX = "rufbereit-handover-"  # the handover channel's id: prefix + call id
LOUD_DBFS = -40.0

#: The booking: type, time, name, "this number" yes, read-back yes, goodbye. "Am Dienstag"
#: is always the coming Tuesday (1-7 days ahead), open in the test's profile. Each answer
#: goes with the assistant's question it answers (``answer_questions``).
BOOKING = "Guten Tag, ich möchte einen Termin für eine Heizungswartung."
BOOKING_ANSWERS = [
    (r"Name", "Ich heiße Thomas Meier."),
    (r"erreichen", "Ja, genau."),
    (r"eintragen", "Ja, das passt."),
    (r"sonst noch", "Nein danke, das ist alles."),
    (r"Wann|Was passt|Uhrzeit", "Am Dienstag um fünfzehn Uhr."),
    (r"Worum geht|helfen|verstanden|Anliegen", BOOKING),
]
#: After hours: a heating failure in the frost, the address, "this number" yes, read-back
#: yes; then the caller waits on the line for the technician.
EMERGENCY = "Die Heizung ist ausgefallen und es ist eiskalt."
EMERGENCY_ANSWERS = [
    (r"Adresse", "Marienplatz eins in München."),
    (r"unter null Grad|einzufrieren", "Ja."),
    (r"erreichen|Stimmt das", "Ja."),
    (r"passiert|helfen|verstanden|Anliegen", EMERGENCY),
]
HANDOVER = "Ich möchte mit einem Menschen sprechen."
HANDOVER_ANSWERS = [(r"helfen|verstanden|Anliegen|Worum", HANDOVER)]
#: answered with the profile's prices, about 9 s: long enough to talk over
QUESTION = "Was kostet bei Ihnen die Anfahrt?"
INTERRUPTION = "Entschuldigung, ich habe eine Frage."
#: the two caller voices (espeak-ng voice, words a minute)
VOICE_A = ("de", 160)
VOICE_B = ("de+m3", 140)

ROTA = {
    "people": [
        {"name": "Thomas Huber", "phone": "PJSIP/oncall1", "sms": "+4915112345671"},
        {"name": "Stefan Gruber", "phone": "PJSIP/oncall2", "sms": "+4915112345672"},
    ],
    "shifts": [
        {"days": list(WEEK), "start": "00:00", "end": "23:59", "person": "Thomas Huber"},
        {"days": list(WEEK), "start": "23:59", "end": "00:00", "person": "Thomas Huber"},
    ],
    "attempts_per_person": 1,
    "retry_after_s": 10,
    "ring_timeout_s": 15,
    "caller_hold_s": 90,
}


@pytest.fixture(scope="module")
def german_whisper() -> Path:
    """The multilingual Whisper base the agent finds for German with no path configured."""
    if not packaged_whisper.available():
        pytest.fail(f"the German Whisper base is missing: {packaged_whisper.INSTALL_HINT}")
    return packaged_whisper.prepare()


def _settings(pg_database: str, tmp_path: Path, **business: Any) -> Settings:
    """The German example profile with ``business`` changes, Whisper (de) at ``BEAM``."""
    data = example_profile_data()
    data["business"].update(business)
    data["business"]["holidays"] = []
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    settings = load_settings(
        path,
        env={
            "RUFBEREIT_DATABASE_URL": pg_database,
            "RUFBEREIT_SPOOL_DIR": str(tmp_path / "spool"),
            "RUFBEREIT_LANGUAGE": "de",
            "RUFBEREIT_STT_BACKEND": "whisper",
        },
    )
    assert settings.stt is not None
    stt = settings.stt.model_copy(update={"whisper_beam_size": BEAM})
    return settings.model_copy(update={"stt": stt})


def _open_all_week(pg_database: str, tmp_path: Path, **business: Any) -> Settings:
    """Open every day all day: the dialogue books, answers and hands over by day rules
    whatever the real clock says."""
    hours = {day: ["00:00-23:59"] for day in WEEK}
    return _settings(pg_database, tmp_path, opening_hours=hours, **business)


async def _voices(voice: CallerVoice, sentences: list[str]) -> list[bytes]:
    return [await asyncio.wait_for(voice(s), 30) for s in sentences]


async def _last_words(call_log: CallLog) -> str:
    """What the assistant said since the caller's last turn (from the call's events)."""
    calls = await call_log.recent_calls(1)
    if not calls:
        return ""
    events = await call_log.events(calls[0]["id"])
    since = max((i for i, e in enumerate(events) if e["kind"] == "caller_said"), default=-1)
    return " ".join(e["data"]["text"] for e in events[since + 1 :] if e["kind"] == "assistant_said")


async def _caller_format(call_log: CallLog) -> str:
    """The audio format Asterisk negotiated with the caller's phone (its PJSIP channel)."""

    async def ask() -> str:
        while True:
            calls = await call_log.recent_calls(1)
            if calls and calls[0]["channel_id"]:
                break
            await asyncio.sleep(0.1)
        async with ari_client() as ari:
            r = await ari.get(
                f"/channels/{calls[0]['channel_id']}/variable",
                params={"variable": "CHANNEL(audionativeformat)"},
            )
            r.raise_for_status()
            return str(r.json()["value"]).strip("()")

    return await asyncio.wait_for(ask(), 10)


async def _finished_call(
    call_log: CallLog, within: float = 10.0
) -> tuple[CallRow, list[CallEventRow]]:
    """The latest call once its record is complete (a moment after the BYE)."""

    async def ended() -> CallRow:
        while True:
            calls = await call_log.recent_calls(1)
            if calls and calls[0]["ended_at"] is not None:
                return calls[0]
            await asyncio.sleep(0.1)

    try:
        call = await asyncio.wait_for(ended(), within)
    except TimeoutError:
        calls = await call_log.recent_calls(1)
        assert calls, "no call was recorded"
        call = calls[0]  # still open: the assertions below say what is missing
    return call, await call_log.events(call["id"])


def _heard(events: list[CallEventRow]) -> list[str]:
    return [e["data"]["text"] for e in events if e["kind"] == "caller_said"]


def _story(
    events: list[CallEventRow], call: CallRow | None = None, said: Sequence[str] = ()
) -> str:
    """Both sides turn by turn (what the caller said, what the agent heard, its replies)."""
    lines = [f"  caller said:     {s}" for s in said]
    for e in events:
        if e["kind"] == "caller_said":
            d = e["data"]
            lines.append(
                f"  agent heard:     {d['text']!r} (stt {d.get('stt_ms')} ms, "
                f"end of turn {d.get('end_of_turn_ms')} ms)"
            )
        elif e["kind"] == "assistant_said":
            lines.append(f"  assistant said:  {e['data']['text']}")
        else:
            lines.append(f"  {e['kind']}: {e['data']}")
    if call is not None:
        lines.append(f"  call: outcome={call['outcome']}")
    story = "\n".join(lines)
    print(story)  # the transcripts, also when the test passes (pytest -s / -rP)
    return story


async def _db_rows(pg_database: str, sql: str) -> list[tuple[Any, ...]]:
    db = Database(pg_database)
    try:
        async with db.connection() as conn:
            cur = await conn.execute(sql)
            return list(await cur.fetchall())
    finally:
        await db.close()


# ---------------------------------------------------------------------------- booking


async def test_a_booking_by_voice_over_g722(
    lab: None, ari_cleanup: None, pg_database: str, tmp_path: Path, german_whisper: Path
) -> None:
    """Type, time, name, the caller's number ("Ja, genau"), the read-back ("Ja, das passt")
    and goodbye: the appointment is in PostgreSQL, the assistant hangs up."""
    g722 = as_codec("g722")
    voice = espeak_caller_voice(*VOICE_A, sample_rate=g722.sample_rate)
    seen: dict[str, str] = {}
    said: list[str] = []

    async with running_agent(_open_all_week(pg_database, tmp_path)) as agent:

        async def conversation(rtp: RtpEndpoint) -> None:
            seen["format"] = await _caller_format(agent.call_log)
            await answer_questions(
                rtp, voice, BOOKING, BOOKING_ANSWERS, partial(_last_words, agent.call_log),
                said=said,
            )  # fmt: skip

        result = await place_call(
            ASSISTANT, hold_s=150, timeout=170, during=conversation, wait_for_hangup=True,
            codec=g722,
        )  # fmt: skip
        call, events = await _finished_call(agent.call_log)
    story = _story(events, call, said)
    assert result.ok, f"{result.error_text}\n{story}"
    assert seen.get("format") == "g722", f"negotiated {seen.get('format')!r}, not G.722"
    assert result.sample_rate == 16000 and result.audio_packets, "no wideband audio back"
    assert len(_heard(events)) >= 6, f"the assistant heard too little:\n{story}"
    assert said[-1] == "Nein danke, das ist alles.", f"the caller did not get to the end:\n{story}"

    rows = await _db_rows(
        pg_database, "SELECT appointment_type, name, phone, starts_at FROM appointments"
    )
    assert len(rows) == 1, f"no booking in the database ({rows}):\n{story}"
    kind, name, phone, starts_at = rows[0]
    assert kind == "Heizungswartung", f"{rows}\n{story}"
    assert name.lower() in {"thomas meier", "thomas mayer", "thomas maier", "thomas meyer"}, (
        f"{rows}\n{story}"
    )
    assert phone.endswith("89123456"), rows  # the number the caller called from
    local = starts_at.astimezone(BERLIN)
    assert (local.weekday(), local.hour, local.minute) == (1, 15, 0), f"{rows}\n{story}"
    assert call["outcome"] != "handover", story


# ---------------------------------------------------------------------------- emergency


async def test_an_emergency_after_hours_rings_the_technician_over_a_law(
    lab: None, ari_cleanup: None, pg_database: str, tmp_path: Path, german_whisper: Path
) -> None:
    """Closed all week, Thomas Huber (oncall1) on call all week: the caller reports a heating
    failure in the frost and waits on the line; the technician's phone rings, hears the
    emergency, presses 1; the caller hears that Thomas Huber took it."""
    alaw = as_codec("pcma")
    voice = espeak_caller_voice(*VOICE_A, sample_rate=alaw.sample_rate)
    settings = _settings(pg_database, tmp_path, opening_hours={}, on_call=ROTA)
    wall_minus_monotonic = time.time() - time.monotonic()
    seen: dict[str, str] = {}
    said: list[str] = []

    async def wait_on_the_line(line: Line) -> None:
        await asyncio.sleep(120)  # until the assistant tells them and hangs up

    async with (
        pressing_phone("oncall1", "1", delay_ms=3000, codec=alaw) as technician,
        running_agent(settings) as agent,
    ):

        async def conversation(rtp: RtpEndpoint) -> None:
            seen["format"] = await _caller_format(agent.call_log)
            await answer_questions(
                rtp, voice, EMERGENCY, EMERGENCY_ANSWERS, partial(_last_words, agent.call_log),
                said=said, then=wait_on_the_line,
            )  # fmt: skip

        result = await place_call(
            ASSISTANT, hold_s=150, timeout=170, during=conversation, wait_for_hangup=True,
            codec=alaw,
        )  # fmt: skip
        call, events = await _finished_call(agent.call_log)
        technician_calls, technician_errors = technician.calls, technician.errors
    story = _story(events, call, said)
    assert result.ok, f"{result.error_text}\n{story}"
    assert seen.get("format") == "alaw", f"negotiated {seen.get('format')!r}, not A-law"
    kinds = [e["kind"] for e in events]
    assert technician_calls == 1, f"the technician's phone rang {technician_calls}x:\n{story}"
    assert not technician_errors, technician_errors
    ends = [e["data"] for e in events if e["kind"] == "escalation_end"]
    assert ends == [{"acknowledged": True, "told": True}], story
    told_at = kinds.index("escalation_end")
    after = [e["data"]["text"] for e in events[told_at:] if e["kind"] == "assistant_said"]
    assert after and "Thomas Huber" in after[0], story
    told_wall = events[told_at]["at"].timestamp()
    ack_audio = [
        p
        for p in result.audio_packets
        if p.at + wall_minus_monotonic > told_wall and dbfs(rms(p.pcm)) > LOUD_DBFS
    ]
    assert len(ack_audio) > 50, f"the caller did not hear who took it (1 s+):\n{story}"

    rows = await _db_rows(
        pg_database, "SELECT kind, state, acknowledged_by, caller_told_at FROM escalations"
    )
    assert len(rows) == 1, f"{rows}\n{story}"
    kind, state, by, caller_told_at = rows[0]
    assert (kind, state, by) == ("heizungsausfall", "acknowledged", "Thomas Huber"), rows
    assert caller_told_at is not None, rows


# ---------------------------------------------------------------------------- handover


async def test_a_handover_to_the_office_over_a_law(
    lab: None, ari_cleanup: None, pg_database: str, tmp_path: Path, german_whisper: Path
) -> None:
    """The caller asks for a person; the office (A-law) is rung, hears who calls and why,
    presses 1 and is joined with the caller, who hears the office's phone."""
    alaw = as_codec("pcma")
    voice = espeak_caller_voice(*VOICE_B, sample_rate=alaw.sample_rate)
    said: list[str] = []
    settings = _open_all_week(
        pg_database, tmp_path, handover={"office": "PJSIP/office", "ring_timeout_s": 10}
    )
    seen: dict[str, Any] = {}

    async with (
        pressing_phone("office", "1", delay_ms=1500, hangup_after_s=120, codec=alaw) as office,
        running_agent(settings) as agent,
    ):

        async def joined() -> bool:
            both = {seen["caller"], seen["handover"]}
            return any(both <= set(b.channels) for b in await agent.ari.list_bridges())

        async def with_the_office(line: Line) -> None:
            await asyncio.wait_for(office.wait_for("answered", 1, within=30), 31)
            calls = await agent.call_log.recent_calls(1)
            seen["caller"] = calls[0]["channel_id"]
            seen["handover"] = f"{HANDOVER_PREFIX}{calls[0]['id']}"
            await until(joined, 25, "the office in the caller's bridge")
            seen["joined"] = time.monotonic()
            await asyncio.sleep(3.0)  # caller and office talk (the office's tone)
            seen["checked"] = time.monotonic()

        async def conversation(rtp: RtpEndpoint) -> None:
            seen["format"] = await _caller_format(agent.call_log)
            await answer_questions(
                rtp, voice, HANDOVER, HANDOVER_ANSWERS, partial(_last_words, agent.call_log),
                said=said, then=with_the_office,
            )  # fmt: skip

        seen["call_started"] = time.monotonic()
        result = await place_call(ASSISTANT, hold_s=34, timeout=60, during=conversation, codec=alaw)
        call, events = await _finished_call(agent.call_log)
        office_calls, office_answered = office.calls, office.answered
    story = _story(events, call, said)
    if "joined" in seen:
        print(f"  the office joined {seen['joined'] - seen['call_started']:.1f} s into the call")
    assert result.ok, f"{result.error_text}\n{story}"
    assert seen.get("format") == "alaw", f"negotiated {seen.get('format')!r}, not A-law"
    assert "checked" in seen, f"the office never joined the caller ({seen}):\n{story}"
    assert (office_calls, office_answered) == (1, 1), story
    heard = b"".join(
        p.pcm for p in result.audio_packets if seen["joined"] + 0.5 < p.at < seen["checked"]
    )
    assert len(heard) > 2 * 8000 * 2, "the caller heard less than 2 s from the office"
    assert dbfs(rms(heard)) > -30, dbfs(rms(heard))
    kinds = [e["kind"] for e in events]
    assert call["outcome"] == "handover", story
    assert kinds.count("transfer_started") == 1 and kinds.count("transfer_taken") == 1, story
    started = next(e for e in events if e["kind"] == "transfer_started")
    assert started["data"] == {"reason": "asked"}, story


# ---------------------------------------------------------------------------- barge-in


async def test_barge_in_in_german_stops_the_reply(
    lab: None, ari_cleanup: None, pg_database: str, tmp_path: Path, german_whisper: Path
) -> None:
    """The caller asks what the call-out costs (a long German answer) and talks over it a
    second in: the answer stops at the caller within 300 ms, and the assistant hears what
    the caller said instead."""
    g722 = as_codec("g722")
    speak = espeak_caller_voice(*VOICE_B, sample_rate=g722.sample_rate)
    question, interruption = await _voices(speak, [QUESTION, INTERRUPTION])
    measured: dict[str, float] = {}
    onset_wall = datetime.now(UTC)
    seen: dict[str, str] = {}

    async with running_agent(_open_all_week(pg_database, tmp_path)) as agent:

        async def conversation(rtp: RtpEndpoint) -> None:
            nonlocal onset_wall
            seen["format"] = await _caller_format(agent.call_log)
            await rtp.wait_for_peer(10)
            line = Line(rtp, idle_ms=20)  # the caller's words start within 20 ms
            sender = asyncio.create_task(line.run())
            try:
                onset, onset_epoch = await line.talk_over_the_answer(question, interruption, 1.0)
                onset_wall = datetime.fromtimestamp(onset_epoch, UTC)
                window_end = onset + line.seconds(interruption)
                late = [t for t in line.loud_since(onset) if t <= window_end]
                measured["quiet_after_ms"] = (max(late, default=onset) - onset) * 1000
                measured["loud_before"] = len(line.loud_since(onset - 1.0)) - len(late)
                # the answer to what the caller said instead (the phone keeps sending: with
                # no caller audio at all, Asterisk sends the agent nothing and the turn
                # would never end)
                await line.first_reply_after(line.said_at, within=20)
                await line.assistant_done()
                measured["answered_s"] = time.monotonic() - measured["call_started"]
                await asyncio.Event().wait()  # on the line until the caller hangs up
            finally:
                sender.cancel()

        measured["call_started"] = time.monotonic()
        result = await place_call(ASSISTANT, hold_s=30, timeout=50, during=conversation, codec=g722)
        call, events = await _finished_call(agent.call_log)
    story = _story(events, call, [QUESTION, INTERRUPTION])
    assert result.ok, f"{result.error_text}\n{story}"
    assert seen.get("format") == "g722", f"negotiated {seen.get('format')!r}, not G.722"
    assert "quiet_after_ms" in measured, f"the caller did not get to interrupt:\n{story}"
    assert measured["loud_before"] > 0, f"the answer was not playing:\n{story}"
    replies = [e["data"]["text"] for e in events if e["kind"] == "assistant_said"]
    assert any("neunundvierzig Euro" in r for r in replies), f"no prices:\n{story}"
    kinds = [e["kind"] for e in events]
    assert "barge_in" in kinds, story
    barge = next(e for e in events if e["kind"] == "barge_in")
    measured["agent_stopped_after_ms"] = (barge["at"] - onset_wall).total_seconds() * 1000
    stopped = max(measured["quiet_after_ms"], measured["agent_stopped_after_ms"])
    print(f"  barge-in: {measured}, detect_ms={barge['data'].get('detect_ms')}")
    assert stopped <= 300, f"{measured}\n{story}"
    assert "answered_s" in measured, f"what the caller said instead was not answered:\n{story}"
    heard = _heard(events)
    assert len(heard) >= 2, f"the interruption was not heard:\n{story}"
