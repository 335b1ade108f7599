"""Parallel operation on the real lab: an office phone of the lab PBX (201, Anna) dials
*88 and listens to the assistant's call through a snoop channel, then takes it over
with 1 (business.listen_in; agent/telephony/listen_in.py).

Everyone speaks a tone of their own, so who hears whom is measured, not guessed: the
assistant (a stand-in conversation that talks without pause) 700 Hz, the caller 400 Hz,
the office 1500 Hz. The listening phone must hear the assistant and the caller; the
caller must hear the assistant and never the office, until the office takes the call:
then caller and office hear each other and the assistant is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from agent.app import Agent, running_agent
from agent.config import example_profile_data, load_settings
from agent.speech.audio import samples
from agent.storage import CallEventRow, CallRow
from agent.telephony.call import CallContext, CallOutcome, ConversationResult
from agent.telephony.media import MediaSession
from tests.support.lab import asterisk_bridges, asterisk_channels, clear_stale_app
from tests.support.lab_line import finished_call
from tests.support.phones import CallResult, RtpEndpoint, place_call, tone
from tests.support.polling import until

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ASSISTANT = "800"
LISTEN_CODE = "*88"
OFFICE = "201"  # Anna's phone in the lab PBX (context pbx-internal: *88 leads to listening)
ASSISTANT_HZ, CALLER_HZ, OFFICE_HZ = 700.0, 400.0, 1500.0
MEDIA_PREFIX = "rufbereit-media-"
SNOOP_PREFIX = "rufbereit-snoop-"


class TalkingAssistant:
    """The assistant's side: talks (a 700 Hz tone) until its call ends or is taken from it."""

    def __init__(self) -> None:
        self.calls: list[uuid.UUID] = []
        self.cancelled: list[uuid.UUID] = []

    async def run(self, call: CallContext) -> ConversationResult:
        self.calls.append(call.info.call_id)
        drain = asyncio.create_task(_drain(call.media))
        voice = tone(ASSISTANT_HZ, 1.0, -20.0, rate=16000)
        try:
            while True:
                await call.media.play(voice)
                if call.media.closed:
                    await asyncio.sleep(600)
        except asyncio.CancelledError:
            self.cancelled.append(call.info.call_id)
            raise
        finally:
            drain.cancel()
        return ConversationResult(CallOutcome.COMPLETED)


async def _drain(media: MediaSession) -> None:
    with contextlib.suppress(Exception):
        async for _ in media.events():
            pass


@contextlib.asynccontextmanager
async def agent(
    tmp_path: Path, pg_database: str, assistant: TalkingAssistant
) -> AsyncIterator[Agent]:
    data = example_profile_data()
    data["business"]["listen_in"] = {"phones": [f"PJSIP/{OFFICE}"], "takeover_key": "1"}
    profile = tmp_path / "listen-in.yaml"
    profile.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    settings = load_settings(
        profile,
        env={"RUFBEREIT_DATABASE_URL": pg_database, "RUFBEREIT_SPOOL_DIR": str(tmp_path / "spool")},
    )
    await clear_stale_app()
    async with running_agent(settings, conversation=assistant) as running:
        yield running


def share(pcm: bytes, hz: float, rate: int = 8000) -> float:
    """The share of the audio's energy within 30 Hz of ``hz`` (0: none, 1: a pure tone)."""
    x = samples(pcm).astype(np.float64)
    if x.size < rate // 10:
        return 0.0
    power = np.abs(np.fft.rfft(x * np.hanning(x.size))) ** 2
    freqs = np.fft.rfftfreq(x.size, 1 / rate)
    total = float(power.sum())
    return float(power[np.abs(freqs - hz) < 30].sum()) / total if total > 0 else 0.0


def heard(result: CallResult, since: float, until_: float) -> bytes:
    return b"".join(p.pcm for p in result.audio_packets if since < p.at < until_)


def story(call: CallRow, events: list[CallEventRow]) -> str:
    return "\n".join(f"{e['kind']}: {e['data']}" for e in events) + f"\n{call}"


async def talk(rtp: RtpEndpoint, hz: float, seconds: float) -> None:
    await rtp.send_pcm(tone(hz, seconds, -20.0))


def speaking(hz: float) -> Callable[[RtpEndpoint], Awaitable[None]]:
    """A phone that sends its tone for a minute once the line is up."""

    async def phone(rtp: RtpEndpoint) -> None:
        await rtp.wait_for_peer(15)
        await talk(rtp, hz, 60)

    return phone


async def snapshot(agent: Agent) -> dict[str, Any]:
    return {
        "bridges": [set(b.channels) for b in await agent.ari.list_bridges()],
        "channels": {c.id: c.name for c in await agent.ari.list_channels()},
    }


async def until_the_assistant_talks(assistant: TalkingAssistant) -> None:
    async def has_call() -> bool:
        return bool(assistant.calls)

    await until(has_call, 15, "the assistant has the call")
    await asyncio.sleep(1.5)  # media up, the assistant talking


async def _nothing_left(existing: set[str], within: float = 8.0) -> None:
    async def clean() -> bool:
        items = await asyncio_items()
        return not [i for i in items if i["id"] not in existing]

    await until(clean, within, "nothing left in Asterisk")


async def asyncio_items() -> list[dict[str, Any]]:
    return await asterisk_channels() + await asterisk_bridges()


async def test_the_office_listens_then_takes_the_call_over(
    lab: None, ari_cleanup: None, pg_database: str, tmp_path: Path
) -> None:
    existing = {str(i["id"]) for i in await asyncio_items()}
    assistant = TalkingAssistant()
    seen: dict[str, Any] = {}
    async with agent(tmp_path, pg_database, assistant) as running:
        caller = speaking(CALLER_HZ)

        async def office(rtp: RtpEndpoint) -> None:
            await rtp.wait_for_peer(15)
            await talk(rtp, OFFICE_HZ, 5.0)  # listening (and saying something)
            seen["press"] = time.monotonic()
            await rtp.send_dtmf("1")
            await talk(rtp, OFFICE_HZ, 3.0)  # now talking with the caller
            seen["during"] = await snapshot(running)
            await talk(rtp, OFFICE_HZ, 3.0)
            seen["talked"] = time.monotonic()

        calling = asyncio.create_task(place_call(ASSISTANT, hold_s=40, timeout=60, during=caller))
        await until_the_assistant_talks(assistant)
        listening = await place_call(
            LISTEN_CODE, phone=OFFICE, caller_number=OFFICE, hold_s=13, timeout=30, during=office
        )
        # the office hung up after talking: the call is over for the caller too
        result = await asyncio.wait_for(calling, 20)
        call, events = await finished_call(running.call_log)
    text = story(call, events)
    assert listening.ok, listening.error_text
    assert result.ok and result.remote_hangup is True, result.error_text
    assert "press" in seen and "talked" in seen, seen
    press = seen["press"]

    # listening: the office hears the assistant and the caller; the caller not the office
    office_heard = heard(listening, press - 3.5, press - 0.2)
    assert len(office_heard) > 2 * 8000 * 2, "the office heard less than 2 s while listening"
    assert share(office_heard, ASSISTANT_HZ) > 0.1, share(office_heard, ASSISTANT_HZ)
    assert share(office_heard, CALLER_HZ) > 0.1, share(office_heard, CALLER_HZ)
    caller_heard = heard(result, press - 3.5, press - 0.2)
    assert share(caller_heard, ASSISTANT_HZ) > 0.3, share(caller_heard, ASSISTANT_HZ)
    assert share(caller_heard, OFFICE_HZ) < 0.01, "the caller heard the listening office"

    # taken over: caller and office hear each other, the assistant is gone
    caller_after = heard(result, press + 1.5, seen["talked"])
    office_after = heard(listening, press + 1.5, seen["talked"])
    assert share(caller_after, OFFICE_HZ) > 0.3, share(caller_after, OFFICE_HZ)
    assert share(caller_after, ASSISTANT_HZ) < 0.01, "the caller still heard the assistant"
    assert share(office_after, CALLER_HZ) > 0.3, share(office_after, CALLER_HZ)
    assert share(office_after, ASSISTANT_HZ) < 0.01, "the office still heard the assistant"
    during = seen["during"]
    names = during["channels"]
    assert not [n for i, n in names.items() if i.startswith((MEDIA_PREFIX, SNOOP_PREFIX))], names
    assert len(during["bridges"]) == 1 and len(during["bridges"][0]) == 2, during
    assert call["channel_id"] in during["bridges"][0], during
    assert assistant.cancelled == assistant.calls, "the assistant's conversation went on"

    # the record: who listened, who took over, and the outcome
    assert call["outcome"] == CallOutcome.TAKEN_OVER.value, text
    kinds = [e["kind"] for e in events]
    assert kinds.count("listen_started") == 1 and kinds.count("taken_over") == 1, text
    assert kinds.index("listen_started") < kinds.index("taken_over"), text
    started = next(e["data"] for e in events if e["kind"] == "listen_started")
    taken = next(e["data"] for e in events if e["kind"] == "taken_over")
    ended = next(e["data"] for e in events if e["kind"] == "listen_ended")
    assert started["phone"] == taken["phone"] == f"PJSIP/{OFFICE}", text
    assert ended == {"phone": f"PJSIP/{OFFICE}", "reason": "taken_over"}, text
    await _nothing_left(existing)


async def test_listening_without_taking_over_leaves_the_call_to_the_assistant(
    lab: None, ari_cleanup: None, pg_database: str, tmp_path: Path
) -> None:
    existing = {str(i["id"]) for i in await asyncio_items()}
    assistant = TalkingAssistant()
    seen: dict[str, Any] = {}
    async with agent(tmp_path, pg_database, assistant) as running:
        caller = speaking(CALLER_HZ)
        calling = asyncio.create_task(place_call(ASSISTANT, hold_s=14, timeout=40, during=caller))
        await until_the_assistant_talks(assistant)
        listening = await place_call(
            LISTEN_CODE,
            phone=OFFICE,
            caller_number=OFFICE,
            hold_s=4,
            timeout=20,
            during=lambda rtp: talk(rtp, OFFICE_HZ, 10),
        )
        seen["left"] = time.monotonic()
        await asyncio.sleep(2.0)
        seen["after"] = await snapshot(running)
        result = await asyncio.wait_for(calling, 30)
        call, events = await finished_call(running.call_log)
    text = story(call, events)
    assert listening.ok, listening.error_text
    assert result.ok and result.remote_hangup is False, result.error_text  # the caller hung up
    office_heard = heard(listening, listening.started_at, listening.ended_at)
    assert share(office_heard, ASSISTANT_HZ) > 0.1, share(office_heard, ASSISTANT_HZ)

    # after the office hung up: the caller and the assistant, as before, nothing else
    after = seen["after"]
    assert len(after["bridges"]) == 1 and call["channel_id"] in after["bridges"][0], after
    assert not [i for i in after["channels"] if i.startswith(SNOOP_PREFIX)], after
    caller_heard = heard(result, seen["left"] + 0.5, result.ended_at - 0.5)
    assert share(caller_heard, ASSISTANT_HZ) > 0.3, "the assistant fell silent"
    assert share(heard(result, result.started_at, result.ended_at), OFFICE_HZ) < 0.01

    assert call["outcome"] == CallOutcome.CALLER_HANGUP.value, text
    kinds = [e["kind"] for e in events]
    assert "taken_over" not in kinds, text
    ended = next(e["data"] for e in events if e["kind"] == "listen_ended")
    assert ended == {"phone": f"PJSIP/{OFFICE}", "reason": "hung_up"}, text
    assert kinds.index("listen_started") < kinds.index("listen_ended"), text
    await _nothing_left(existing)


async def test_other_phones_are_refused_and_without_a_call_the_line_is_busy(
    lab: None, ari_cleanup: None, pg_database: str, tmp_path: Path
) -> None:
    async with agent(tmp_path, pg_database, TalkingAssistant()):
        nobody = await place_call(
            LISTEN_CODE, phone=OFFICE, caller_number=OFFICE, hold_s=2, timeout=15
        )
        stranger = await place_call(
            LISTEN_CODE, phone="202", caller_number="202", hold_s=2, timeout=15
        )
    assert not nobody.ok and "486" in nobody.error_text, nobody.error_text
    assert not stranger.ok and "403" in stranger.error_text, stranger.error_text


async def test_the_caller_hangs_up_while_the_office_listens(
    lab: None, ari_cleanup: None, pg_database: str, tmp_path: Path
) -> None:
    """The call the office hears is over: the office is hung up, the record complete."""
    existing = {str(i["id"]) for i in await asyncio_items()}
    assistant = TalkingAssistant()
    async with agent(tmp_path, pg_database, assistant) as running:
        calling = asyncio.create_task(place_call(ASSISTANT, hold_s=6, timeout=30))
        await until_the_assistant_talks(assistant)
        listening = await place_call(
            LISTEN_CODE,
            phone=OFFICE,
            caller_number=OFFICE,
            hold_s=25,
            timeout=40,
            wait_for_hangup=True,
        )
        result = await asyncio.wait_for(calling, 30)
        call, events = await finished_call(running.call_log)
    text = story(call, events)
    assert result.ok and result.remote_hangup is False, result.error_text
    assert listening.ok and listening.remote_hangup is True, listening.error_text
    assert listening.ended_at - result.ended_at < 3, "the office stayed on a call that was over"
    assert call["outcome"] == CallOutcome.CALLER_HANGUP.value, text
    ended = next(e["data"] for e in events if e["kind"] == "listen_ended")
    assert ended == {"phone": f"PJSIP/{OFFICE}", "reason": "call_ended"}, text
    await _nothing_left(existing)


async def test_the_next_key_goes_on_to_the_older_call(
    lab: None, ari_cleanup: None, pg_database: str, tmp_path: Path
) -> None:
    """Two calls: the office hears the newest first, and after * the older one."""
    existing = {str(i["id"]) for i in await asyncio_items()}
    assistant = TalkingAssistant()
    older_hz, newer_hz = CALLER_HZ, 550.0
    seen: dict[str, float] = {}

    async def office(rtp: RtpEndpoint) -> None:
        await rtp.wait_for_peer(15)
        await asyncio.sleep(4.0)
        seen["next"] = time.monotonic()
        await rtp.send_dtmf("*")
        await asyncio.sleep(5.0)
        seen["done"] = time.monotonic()

    async with agent(tmp_path, pg_database, assistant) as running:
        older = asyncio.create_task(
            place_call(ASSISTANT, hold_s=25, timeout=40, during=speaking(older_hz))
        )
        await until_the_assistant_talks(assistant)
        newer = asyncio.create_task(
            place_call(ASSISTANT, hold_s=20, timeout=40, during=speaking(newer_hz))
        )

        async def two_calls() -> bool:
            return len(assistant.calls) == 2

        await until(two_calls, 15, "the second call reached the assistant")
        await asyncio.sleep(1.5)
        listening = await place_call(
            LISTEN_CODE, phone=OFFICE, caller_number=OFFICE, hold_s=11, timeout=30, during=office
        )
        for task in (older, newer):
            assert (await asyncio.wait_for(task, 40)).ok
        calls = await running.call_log.recent_calls(2)
        records = {c["id"]: await running.call_log.events(c["id"]) for c in calls}
    assert listening.ok, listening.error_text
    first = heard(listening, seen["next"] - 2.5, seen["next"] - 0.2)
    then = heard(listening, seen["next"] + 1.5, seen["done"])
    assert share(first, newer_hz) > 0.1 and share(first, older_hz) < 0.01, "not the newest first"
    assert share(then, older_hz) > 0.1 and share(then, newer_hz) < 0.01, "* did not go on"
    by_start = sorted(calls, key=lambda c: c["started_at"])
    old_events, new_events = (records[c["id"]] for c in by_start)
    reasons = {
        "older": [e["data"].get("reason") for e in old_events if e["kind"] == "listen_ended"],
        "newer": [e["data"].get("reason") for e in new_events if e["kind"] == "listen_ended"],
    }
    assert reasons == {"older": ["hung_up"], "newer": ["next"]}, reasons
    await _nothing_left(existing)
