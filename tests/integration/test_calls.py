"""A real call, answered: sipp phones dial the assistant on the real Asterisk.

Each test runs the agent in-process against the lab (Asterisk 22 + PostgreSQL)
and a sipp phone with an RTP receiver, and checks what a caller and an admin
would notice: the call is answered, the greeting is heard, the caller ends up
at the office, the record is in the database, nothing is left behind.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from agent.app import Agent, running_agent
from agent.config import Settings, load_settings
from agent.storage import CallRow, Database
from agent.telephony.call import CallContext, CallOutcome, ConversationResult
from tests.support.lab import asterisk_bridges, asterisk_channels, stasis_app_registered
from tests.support.phones import CallResult, place_call, run_uas

pytestmark = pytest.mark.integration

ASSISTANT = "800"
CALLER = "+4989123456"
GREETING_DBFS = -40.0  # the greeting is speech; line silence is far below this


def lab_settings(db_url: str, spool: Path, **env: str) -> Settings:
    return load_settings(
        env={"RUFBEREIT_DATABASE_URL": db_url, "RUFBEREIT_SPOOL_DIR": str(spool), **env}
    )


@pytest.fixture
async def agent(lab: None, pg_database: str, tmp_path: Path) -> AsyncIterator[Agent]:
    async with running_agent(lab_settings(pg_database, tmp_path / "spool")) as a:
        yield a


async def _wait_ended(agent: Agent, n: int = 1, within: float = 10.0) -> list[CallRow]:
    """Calls are recorded as ended shortly after the caller's BYE."""
    deadline = time.monotonic() + within
    while True:
        calls = await agent.call_log.recent_calls(10)
        if len([c for c in calls if c["ended_at"] is not None]) >= n:
            return calls
        if time.monotonic() > deadline:
            raise AssertionError(f"calls not recorded as ended within {within} s: {calls}")
        await asyncio.sleep(0.1)


@pytest.fixture
async def existing() -> set[str]:
    """Channels and bridges that existed before the test (other runs') are not ours."""
    return {str(i["id"]) for i in await asterisk_channels() + await asterisk_bridges()}


async def _nothing_left(existing: set[str], within: float = 5.0) -> None:
    """No channel or bridge created during the test is still there."""
    deadline = time.monotonic() + within
    while True:
        channels = [c for c in await asterisk_channels() if c["id"] not in existing]
        bridges = [b for b in await asterisk_bridges() if b["id"] not in existing]
        if not channels and not bridges:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"left behind: channels {channels}, bridges {bridges}")
        await asyncio.sleep(0.1)


async def _call_with_office(hold_s: float) -> tuple[CallResult, int]:
    async with run_uas("office") as office:
        result = await place_call(
            ASSISTANT, hold_s=hold_s, caller_number=CALLER, timeout=hold_s + 20
        )
    return result, office.calls


async def test_call_is_answered_greeted_recorded_and_handed_over(
    agent: Agent, existing: set[str]
) -> None:
    result, office_calls = await _call_with_office(hold_s=24)
    assert result.ok, result.error_text
    first = result.first_audio_at(threshold_dbfs=GREETING_DBFS)
    assert first is not None, f"no greeting audio heard (level {result.rms_dbfs():.1f} dBFS)"
    calls = await _wait_ended(agent)
    call = calls[0]
    events = await agent.call_log.events(call["id"])
    assert office_calls == 1, f"after the greeting the caller must reach the office: {events}"
    assert call["caller_number"] == CALLER
    assert call["called_number"] == ASSISTANT
    assert call["outcome"] == CallOutcome.HANDOVER.value
    answered, started = call["answered_at"], call["started_at"]
    assert answered is not None and started is not None and answered >= started
    assert call["duration_s"] is not None and float(call["duration_s"]) > 0
    kinds = [e["kind"] for e in events]
    assert {"answered", "media_connected", "greeting_started", "handover"} <= set(kinds)
    await _nothing_left(existing)


async def test_same_over_audiosocket(
    lab: None, pg_database: str, tmp_path: Path, existing: set[str]
) -> None:
    settings = lab_settings(
        pg_database, tmp_path / "spool", RUFBEREIT_MEDIA_TRANSPORT="audiosocket"
    )
    async with running_agent(settings) as agent:
        result, office_calls = await _call_with_office(hold_s=24)
        assert result.ok, result.error_text
        assert result.first_audio_at(threshold_dbfs=GREETING_DBFS) is not None, (
            "no greeting over AudioSocket"
        )
        assert office_calls == 1
        calls = await _wait_ended(agent)
        assert calls[0]["outcome"] == CallOutcome.HANDOVER.value
        events = await agent.call_log.events(calls[0]["id"])
        media = [e for e in events if e["kind"] == "media_connected"]
        assert media and media[0]["data"]["transport"] == "audiosocket"
    await _nothing_left(existing)


async def test_the_running_agent_serves_metrics_and_health(
    lab: None, pg_database: str, tmp_path: Path
) -> None:
    """After a real call: /metrics counts it by its outcome, no call is in progress, and
    /healthz runs the doctor's checks against the lab and answers 200."""
    settings = lab_settings(pg_database, tmp_path / "spool", RUFBEREIT_HTTP_BIND="127.0.0.1:0")
    async with running_agent(settings) as agent:
        assert agent.http_address is not None
        result, _ = await _call_with_office(hold_s=20)
        assert result.ok, result.error_text
        await _wait_ended(agent)
        async with httpx.AsyncClient(base_url=f"http://{agent.http_address}") as client:
            metrics = (await client.get("/metrics")).text
            health = await client.get("/healthz", timeout=30)
    assert 'rufbereit_calls_total{outcome="handover"} 1.0' in metrics, metrics
    assert "rufbereit_active_calls 0.0" in metrics
    assert health.status_code == 200, health.text
    names = {c["name"] for c in health.json()["checks"]}
    assert {"ARI", "Stasis app", "database", "voice"} <= names, names


async def test_caller_hanging_up_mid_greeting_leaves_nothing_behind(
    agent: Agent, existing: set[str]
) -> None:
    result = await place_call(ASSISTANT, hold_s=1.5, caller_number=CALLER, timeout=20)
    assert result.ok, result.error_text
    calls = await _wait_ended(agent)
    assert calls[0]["outcome"] == CallOutcome.CALLER_HANGUP.value
    await _nothing_left(existing)


class _Broken:
    async def run(self, call: CallContext) -> ConversationResult:
        await asyncio.sleep(0.5)
        raise RuntimeError("the conversation engine crashed")


async def test_agent_failing_mid_call_sends_caller_to_people(
    lab: None, pg_database: str, tmp_path: Path, existing: set[str]
) -> None:
    settings = lab_settings(pg_database, tmp_path / "spool")
    async with running_agent(settings, conversation=_Broken()) as agent:
        result, office_calls = await _call_with_office(hold_s=6)
        assert result.ok, result.error_text
        assert office_calls == 1, "a failing agent must hand the caller to the fallback"
        calls = await _wait_ended(agent)
        assert calls[0]["outcome"] == CallOutcome.FALLBACK.value
        kinds = [e["kind"] for e in await agent.call_log.events(calls[0]["id"])]
        assert "error" in kinds
    await _nothing_left(existing)


class _Talking:
    """A conversation that goes on until it is stopped; says when it has begun."""

    def __init__(self) -> None:
        self.begun = asyncio.Event()

    async def run(self, call: CallContext) -> ConversationResult:
        self.begun.set()
        await asyncio.sleep(120)
        return ConversationResult(CallOutcome.COMPLETED)


class _SaysGoodbye:
    """A conversation that ends the call itself (the assistant hangs up); says when."""

    def __init__(self) -> None:
        self.ending = asyncio.Event()

    async def run(self, call: CallContext) -> ConversationResult:
        await asyncio.sleep(1.0)
        self.ending.set()
        return ConversationResult(CallOutcome.COMPLETED)


async def _stored_outcome(db_url: str) -> list[tuple[str | None, bool]]:
    """(outcome, ended) of every call, read after the agent has gone."""
    db = Database(db_url)
    try:
        async with db.connection() as conn:
            cur = await conn.execute("SELECT outcome, ended_at IS NOT NULL FROM calls")
            return [(r[0], r[1]) for r in await cur.fetchall()]
    finally:
        await db.close()


async def _app_gone(within: float = 5.0) -> None:
    """Asterisk no longer lists the agent's ARI app (nothing of ours keeps it there)."""
    deadline = time.monotonic() + within
    while await stasis_app_registered():
        if time.monotonic() > deadline:
            raise AssertionError("the ARI app is still listed after the agent stopped")
        await asyncio.sleep(0.1)


async def _stop_agent_at(
    settings: Settings, conversation: _Talking | _SaysGoodbye, moment: asyncio.Event
) -> CallResult:
    """Call the assistant and stop the agent (as SIGTERM does) at ``moment`` of the
    conversation; the caller's side of the call."""
    async with running_agent(settings, conversation=conversation):
        call = asyncio.create_task(
            place_call(ASSISTANT, hold_s=10, caller_number=CALLER, timeout=30)
        )
        await asyncio.wait_for(moment.wait(), 15)
    return await call


async def _recorded_and_nothing_left(db_url: str, existing: set[str], outcome: CallOutcome) -> None:
    assert await _stored_outcome(db_url) == [(outcome.value, True)]
    await _nothing_left(existing)
    await _app_gone()


async def test_agent_stopped_mid_call_hands_the_caller_to_people(
    lab: None, pg_database: str, tmp_path: Path, existing: set[str]
) -> None:
    """An admin restarts the agent while a caller is talking to it: the caller is
    put through to the office, and the call is recorded as handed to the fallback."""
    talking = _Talking()
    settings = lab_settings(pg_database, tmp_path / "spool")
    async with run_uas("office") as office:
        result = await _stop_agent_at(settings, talking, talking.begun)
    assert result.ok, result.error_text
    assert office.calls == 1, "the caller must reach the office when the agent stops"
    await _recorded_and_nothing_left(pg_database, existing, CallOutcome.FALLBACK)


async def test_agent_stopped_as_it_hangs_up_keeps_the_call_as_it_ended(
    lab: None, pg_database: str, tmp_path: Path, existing: set[str]
) -> None:
    """The agent is stopped the moment the assistant hangs up: the call stays
    'completed' (not failed), its end is recorded, and no bridge is left behind (a
    leftover bridge kept the ARI app listed in Asterisk with no agent connected)."""
    goodbye = _SaysGoodbye()
    settings = lab_settings(pg_database, tmp_path / "spool")
    result = await _stop_agent_at(settings, goodbye, goodbye.ending)
    assert result.ok, result.error_text
    assert result.remote_hangup, "the assistant hung up"
    await _recorded_and_nothing_left(pg_database, existing, CallOutcome.COMPLETED)


async def test_events_socket_dropped_mid_call_does_not_lose_the_next_call(
    agent: Agent, existing: set[str]
) -> None:
    first = asyncio.create_task(place_call(ASSISTANT, hold_s=4, caller_number=CALLER, timeout=30))
    await asyncio.sleep(1.5)
    agent.ari.events_socket.abort()  # the TCP connection breaks, as on a network fault
    r1 = await first
    assert r1.ok, r1.error_text
    r2 = await place_call(ASSISTANT, hold_s=3, caller_number=CALLER, timeout=30)
    assert r2.ok, r2.error_text
    assert r2.first_audio_at(threshold_dbfs=GREETING_DBFS) is not None, (
        "second call got no greeting"
    )
    calls = await _wait_ended(agent, n=2, within=15)
    assert len(calls) == 2
    await _nothing_left(existing)


async def test_database_down_calls_still_answered_and_records_kept(
    lab: None, pg_database: str, tmp_path: Path
) -> None:
    dead = "postgresql://postgres@127.0.0.1:1/rufbereit"  # nothing listens there
    spool = tmp_path / "spool"
    async with running_agent(lab_settings(dead, spool)):
        result = await place_call(ASSISTANT, hold_s=2, caller_number=CALLER, timeout=20)
        assert result.ok, result.error_text
        assert result.first_audio_at(threshold_dbfs=GREETING_DBFS) is not None
        await asyncio.sleep(1.0)
    # The database comes back: a new run replays the spool.
    async with running_agent(lab_settings(pg_database, spool)) as agent:
        calls = await _wait_ended(agent, within=15)
        assert calls[0]["caller_number"] == CALLER
        assert calls[0]["outcome"] == CallOutcome.CALLER_HANGUP.value


@pytest.mark.slow
async def test_dial_to_greeting_latency_ten_calls(agent: Agent) -> None:
    """Measures time from dial to the first greeting audio (reported, never asserted)."""
    latencies = []
    for _ in range(10):
        result = await place_call(ASSISTANT, hold_s=2.5, caller_number=CALLER, timeout=20)
        assert result.ok, result.error_text
        first = result.first_audio_at(threshold_dbfs=GREETING_DBFS)
        assert first is not None
        latencies.append((first - result.started_at) * 1000)
    _write_json(
        Path("bench/dial_to_greeting.json"),
        {
            "n": len(latencies),
            "median_ms": round(statistics.median(latencies), 1),
            "p90_ms": round(sorted(latencies)[8], 1),
            "all_ms": [round(x, 1) for x in latencies],
        },
    )


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")
