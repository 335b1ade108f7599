"""The warm transfer on the real lab: a caller asks for a person, the office is rung,
hears who is calling and why, and takes the call (1), declines it (2), or does not answer.

A sipp caller speaks an English sentence (Piper voice) that the assistant hears with
Whisper tiny.en; the office is a sipp phone that answers and presses a key, or rings
until Asterisk gives up. The business profile is a copy of the example, open all week,
so the dialogue puts the caller through whatever the real clock says.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from agent.app import running_agent
from agent.config import Settings, example_profile_data, load_settings
from agent.speech.audio import rms, samples
from agent.speech.stt import open_recognizer
from agent.storage import CallEventRow, CallRow, Database
from tests.escalation.phones import pressing_phone
from tests.support.lab import asterisk_bridges, asterisk_channels
from tests.support.lab_line import CallerVoice, Line, converse, finished_call
from tests.support.phones import CallResult, RtpEndpoint, SippPhone, dbfs, place_call, run_uas
from tests.support.polling import until

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ASSISTANT = "800"
ASK_FOR_A_PERSON = "Hello, I would like to speak to a person, please."
HANDOVER_PREFIX = "rufbereit-handover-"
WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: The lab phone that plays the office (PJSIP/office, send_connected_line = no: the
#: linear sipp scenario would not answer a connected-line re-INVITE).
OFFICE = "office"
OFFICE_TONE_HZ = 440.0  # what a sipp lab phone says (tests/support/phones.py: tone)
LOUD_DBFS = -40.0  # speech; line silence is far below


def _open_all_week(pg_database: str, tmp_path: Path, ring_timeout_s: int = 8) -> Settings:
    """The example profile, open every day all day, no holidays, the office on OFFICE."""
    data = example_profile_data()
    business = data["business"]
    business["opening_hours"] = {day: ["00:00-23:59"] for day in WEEK}
    business["holidays"] = []
    business["handover"] = {"office": f"PJSIP/{OFFICE}", "ring_timeout_s": ring_timeout_s}
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_settings(
        path,
        env={
            "RUFBEREIT_DATABASE_URL": pg_database,
            "RUFBEREIT_SPOOL_DIR": str(tmp_path / "spool"),
            "RUFBEREIT_LANGUAGE": "en",
            "RUFBEREIT_STT_BACKEND": "whisper",
        },
    )


async def _phone_reached(phone: SippPhone, what: str, within: float) -> float:
    """Wait until the phone's ``what`` counter is 1; when that was seen (monotonic)."""
    await asyncio.wait_for(phone.wait_for(what, 1, within=within), within + 1)
    return time.monotonic()


async def _asterisk_now() -> set[str]:
    return {str(i["id"]) for i in await asterisk_channels() + await asterisk_bridges()}


async def _nothing_left(existing: set[str], within: float = 5.0) -> None:
    """No channel or bridge that appeared during the test is still in Asterisk."""
    left: list[str] = []

    async def clean() -> bool:
        items = await asterisk_channels() + await asterisk_bridges()
        left[:] = [str(i.get("name") or i["id"]) for i in items if i["id"] not in existing]
        return not left

    try:
        await until(clean, within, "cleanup")
    except AssertionError:
        raise AssertionError(f"left behind in Asterisk: {left}") from None


async def _messages(pg_database: str) -> list[tuple[Any, ...]]:
    db = Database(pg_database)
    try:
        async with db.connection() as conn:
            cur = await conn.execute("SELECT kind, reason, phone, text, call_id FROM messages")
            return list(await cur.fetchall())
    finally:
        await db.close()


def _story(call: CallRow, events: list[CallEventRow]) -> str:
    return "\n".join(f"{e['kind']}: {e['data']}" for e in events) + f"\n{call}"


def _loud_after(result: CallResult, since: float) -> list[float]:
    """Arrival times of the loud (speech) packets the caller got after ``since``."""
    return [p.at for p in result.audio_packets if p.at > since and dbfs(rms(p.pcm)) > LOUD_DBFS]


def _dominant_hz(pcm: bytes, rate: int = 8000) -> float:
    x = samples(pcm).astype(np.float64)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    return float(np.fft.rfftfreq(x.size, 1 / rate)[int(np.argmax(spectrum))])


async def _words_heard(settings: Settings, result: CallResult, since: float) -> str:
    """What the caller heard after ``since``, as the assistant's own recogniser hears it."""
    assert settings.stt is not None
    stt = settings.stt.model_copy(update={"language": settings.language})  # as the agent does
    stream = (await open_recognizer(stt)).stream(8000)
    stream.accept(b"".join(p.pcm for p in result.audio_packets if p.at > since))
    return (await asyncio.wait_for(stream.finish(), 60)).text


async def test_the_office_presses_1_and_talks_with_the_caller(
    lab: None, ari_cleanup: None, pg_database: str, tmp_path: Path, caller_voice: CallerVoice
) -> None:
    """The office hears the summary, presses 1 and joins the caller's bridge (the
    assistant leaves); when the caller hangs up, the office is hung up too."""
    voice = await caller_voice(ASK_FOR_A_PERSON)
    existing = await _asterisk_now()
    seen: dict[str, Any] = {}

    async with (
        pressing_phone(OFFICE, "1", delay_ms=1500, hangup_after_s=120) as office,
        running_agent(_open_all_week(pg_database, tmp_path)) as agent,
    ):

        async def joined() -> bool:
            both = {seen["caller"], seen["handover"]}
            return any(both <= set(b.channels) for b in await agent.ari.list_bridges())

        async def with_the_office(line: Line) -> None:
            await _phone_reached(office, "answered", 30)
            calls = await agent.call_log.recent_calls(1)
            seen["caller"] = calls[0]["channel_id"]
            seen["handover"] = f"{HANDOVER_PREFIX}{calls[0]['id']}"
            # the office listens, presses 1, hears "putting you through", then joins
            await until(joined, 20, "the office in the caller's bridge")
            seen["joined"] = time.monotonic()
            await asyncio.sleep(3.0)  # caller and office talk (the office's tone)
            seen["bridges"] = [set(b.channels) for b in await agent.ari.list_bridges()]
            seen["channels"] = {c.id for c in await agent.ari.list_channels()}
            seen["checked"] = time.monotonic()

        async def conversation(rtp: RtpEndpoint) -> None:
            await converse(rtp, [voice], then=with_the_office)

        # the office joins about 24 s into the call; the caller hangs up at 36 s
        result = await place_call(ASSISTANT, hold_s=36, timeout=60, during=conversation)
        assert result.ok, result.error_text
        hung_up_at = time.monotonic()
        # the caller hung up: the agent hangs up the office (which would hold 120 s)
        await _phone_reached(office, "ended", 10)
        office_ended_in = time.monotonic() - hung_up_at
        call, events = await finished_call(agent.call_log)
        office_calls, office_answered = office.calls, office.answered
    story = _story(call, events)
    kinds = [e["kind"] for e in events]

    assert "checked" in seen, f"the office never joined the caller (seen: {seen}):\n{story}"
    assert (office_calls, office_answered) == (1, 1), f"office rang {office_calls}x\n{story}"
    # while they talked: one bridge, the caller and the office, nobody else in Asterisk
    both = {seen["caller"], seen["handover"]}
    assert seen["bridges"] == [both], seen
    assert seen["channels"] == both, seen
    # the caller heard the office (its 440 Hz tone)
    heard = b"".join(
        p.pcm for p in result.audio_packets if seen["joined"] + 0.5 < p.at < seen["checked"]
    )
    assert len(heard) > 2 * 8000 * 2, "the caller heard less than 2 s from the office"
    assert dbfs(rms(heard)) > -30, dbfs(rms(heard))
    assert abs(_dominant_hz(heard) - OFFICE_TONE_HZ) < 20, _dominant_hz(heard)
    assert office_ended_in < 5, office_ended_in

    assert call["outcome"] == "handover", story
    assert kinds.count("transfer_started") == 1 and kinds.count("transfer_taken") == 1, story
    assert kinds.index("transfer_started") < kinds.index("transfer_taken"), story
    assert "transfer_not_taken" not in kinds, story
    started = next(e for e in events if e["kind"] == "transfer_started")
    assert started["data"] == {"reason": "asked"}, story
    assert await _messages(pg_database) == [], "a taken call needs no call back"
    await _nothing_left(existing)


async def _not_taken(
    office: SippPhone, settings: Settings, caller_voice: CallerVoice, office_done: str
) -> tuple[CallResult, CallRow, list[CallEventRow], dict[str, float]]:
    """A caller asks for a person and stays on the line until the assistant hangs up.
    ``office_done``: the office's counter that says its call is over."""
    voice = await caller_voice(ASK_FOR_A_PERSON)
    seen: dict[str, float] = {}

    async def wait_on_the_line(line: Line) -> None:
        seen["put_through"] = time.monotonic()  # the assistant said it puts them through
        seen["office_done"] = await _phone_reached(office, office_done, 40)
        await asyncio.sleep(60)  # until the assistant tells them and hangs up

    async def conversation(rtp: RtpEndpoint) -> None:
        await converse(rtp, [voice], then=wait_on_the_line)

    async with running_agent(settings) as agent:
        result = await place_call(
            ASSISTANT, hold_s=80, timeout=100, during=conversation, wait_for_hangup=True
        )
        assert result.ok, result.error_text
        call, events = await finished_call(agent.call_log)
    assert "office_done" in seen, f"the office's call did not end:\n{_story(call, events)}"
    return result, call, events, seen


async def _assert_told_and_called_back(
    settings: Settings,
    result: CallResult,
    since: float,
    call: CallRow,
    events: list[CallEventRow],
    pg_database: str,
) -> None:
    """After ``since`` the caller heard that nobody can take the call and was hung up;
    the call back is stored with the handover summary."""
    story = _story(call, events)
    told = _loud_after(result, since)
    assert len(told) > 150, f"the caller heard less than 3 s of speech:\n{story}"
    assert told[0] - since < 8, told[0] - since
    words = (await _words_heard(settings, result, since)).lower()
    assert "nobody can take the call" in words, words
    assert result.remote_hangup is True, "the assistant did not end the call"
    assert result.ended_at - since < 30, result.ended_at - since

    kinds = [e["kind"] for e in events]
    assert call["outcome"] == "callback", story
    assert kinds.count("transfer_started") == 1 and kinds.count("transfer_not_taken") == 1, story
    assert "transfer_taken" not in kinds, story
    summary = next(e for e in events if e["kind"] == "transfer_not_taken")["data"]["summary"]
    assert summary, story
    messages = await _messages(pg_database)
    assert len(messages) == 1, messages
    kind, reason, phone, text, call_id = messages[0]
    assert (kind, reason) == ("callback", "handover_asked_not_taken"), messages
    assert phone == call["caller_number"] and phone.endswith("89123456"), messages
    assert summary in text, messages
    assert call_id == call["id"], messages


async def test_the_office_presses_2_the_caller_is_told_and_called_back(
    lab: None, ari_cleanup: None, pg_database: str, tmp_path: Path, caller_voice: CallerVoice
) -> None:
    existing = await _asterisk_now()
    settings = _open_all_week(pg_database, tmp_path)
    async with pressing_phone(OFFICE, "2", delay_ms=1500, hangup_after_s=120) as office:
        # "ended": the agent hung the office up after its "I will arrange a call back"
        result, call, events, seen = await _not_taken(office, settings, caller_voice, "ended")
        office_calls, office_answered = office.calls, office.answered
    assert (office_calls, office_answered) == (1, 1), _story(call, events)
    await _assert_told_and_called_back(
        settings, result, seen["office_done"], call, events, pg_database
    )
    await _nothing_left(existing)


async def test_nobody_answers_the_caller_is_told_and_called_back(
    lab: None, ari_cleanup: None, pg_database: str, tmp_path: Path, caller_voice: CallerVoice
) -> None:
    """The office rings out (12 s): meanwhile the caller hears that someone is being
    reached (every 9 s); then that nobody can take the call."""
    existing = await _asterisk_now()
    settings = _open_all_week(pg_database, tmp_path, ring_timeout_s=12)
    async with run_uas(OFFICE, "ring") as office:
        result, call, events, seen = await _not_taken(office, settings, caller_voice, "cancelled")
        office_calls, office_answered = office.calls, office.answered
    story = _story(call, events)
    assert (office_calls, office_answered) == (1, 0), story
    rang_s = seen["office_done"] - seen["put_through"]
    assert 8 < rang_s < 16, rang_s  # the profile's ring timeout, not the caller's patience
    holding = [t for t in _loud_after(result, seen["put_through"]) if t < seen["office_done"]]
    assert len(holding) > 50, f"the waiting caller heard nothing while the office rang:\n{story}"
    await _assert_told_and_called_back(
        settings, result, seen["office_done"], call, events, pg_database
    )
    await _nothing_left(existing)


async def test_the_caller_hangs_up_while_the_office_rings_and_is_called_back(
    lab: None, ari_cleanup: None, pg_database: str, tmp_path: Path, caller_voice: CallerVoice
) -> None:
    """The caller gives up while the office still rings: the office stops ringing, the
    call is recorded as a call back (not as put through) and the call back is stored."""
    existing = await _asterisk_now()
    settings = _open_all_week(pg_database, tmp_path, ring_timeout_s=40)
    voice = await caller_voice(ASK_FOR_A_PERSON)

    async def conversation(rtp: RtpEndpoint) -> None:
        await converse(rtp, [voice])

    async with run_uas(OFFICE, "ring") as office, running_agent(settings) as agent:
        result = await place_call(ASSISTANT, hold_s=22, timeout=60, during=conversation)
        assert result.ok, result.error_text
        call, events = await finished_call(agent.call_log)
        await _phone_reached(office, "cancelled", 10)  # not left ringing for 40 s
        office_calls, office_answered = office.calls, office.answered
    story = _story(call, events)
    assert (office_calls, office_answered) == (1, 0), story
    kinds = [e["kind"] for e in events]
    assert call["outcome"] == "callback", story
    assert "transfer_started" in kinds and "transfer_taken" not in kinds, story
    left = next(e for e in events if e["kind"] == "transfer_not_taken")["data"]
    assert left == {"reason": "caller_hung_up"}, story
    messages = await _messages(pg_database)
    assert [(m[0], m[1]) for m in messages] == [("callback", "handover_asked_not_taken")], story
    assert messages[0][4] == call["id"], messages
    await _nothing_left(existing)
