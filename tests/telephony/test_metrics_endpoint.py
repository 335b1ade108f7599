"""/metrics and /healthz of the agent: counts read from the calls' event streams, and the
doctor's checks as a health answer."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from agent.doctor import Check
from agent.domain.call_events import BargedIn, CallClosed, CallerSaid, ReplyAudio
from agent.http_endpoint import make_app, serving
from agent.metrics import CallMetrics, Probe
from agent.telephony.call_stream import CallStream


def _metrics_after_a_call() -> CallMetrics:
    metrics = CallMetrics()
    metrics.gauge("rufbereit_active_calls", "calls in progress", lambda: 2)
    stream = CallStream(uuid.uuid4(), [metrics])
    stream.publish(CallerSaid("Hallo", "whisper-base", 150, 400, False))
    stream.publish(ReplyAudio(420, tts_ms=180))
    stream.publish(BargedIn(900, 180, None))
    stream.publish(CallClosed("completed"))
    return metrics


async def test_metrics_count_what_the_streams_carried() -> None:
    metrics = _metrics_after_a_call()

    async def checks() -> list[Check]:
        return [Check("ari", True, "ok")]

    app = make_app(metrics.registry, checks)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://a") as c:
        text = (await c.get("/metrics")).text
    assert 'rufbereit_calls_total{outcome="completed"} 1.0' in text
    assert "rufbereit_caller_turns_total 1.0" in text
    assert "rufbereit_barge_ins_total 1.0" in text
    assert 'rufbereit_turn_latency_seconds_bucket{le="0.5"} 1.0' in text
    assert "rufbereit_active_calls 2.0" in text
    assert 'rufbereit_tts_first_audio_seconds_bucket{le="0.2"} 1.0' in text


async def test_time_to_acknowledgement_and_the_outbox_backlog() -> None:
    metrics = CallMetrics()
    metrics.escalation_ack.observe(95.0)  # what the escalation service reports
    readings = iter([3.0, 1.0])

    async def backlog() -> float:
        return next(readings)

    probe = Probe(backlog, every_s=0.01)
    metrics.gauge("rufbereit_outbox_backlog", "deliveries not yet made", lambda: probe.value)
    assert probe.value == -1.0  # before the first reading
    probe.start()
    await asyncio.sleep(0.05)
    await probe.close()
    app = make_app(metrics.registry, _ok)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://a") as c:
        text = (await c.get("/metrics")).text
    assert 'rufbereit_escalation_ack_seconds_bucket{le="120.0"} 1.0' in text
    assert 'rufbereit_escalation_ack_seconds_bucket{le="60.0"} 0.0' in text
    assert "rufbereit_outbox_backlog 1.0" in text  # the last reading (the database then failed)


async def _ok() -> list[Check]:
    return [Check("ari", True, "ok")]


async def test_healthz_is_503_with_the_failed_check() -> None:
    calls = 0

    async def checks() -> list[Check]:
        nonlocal calls
        calls += 1
        return [Check("ari", True, "ok"), Check("database", False, "down", "start it")]

    app = make_app(CallMetrics().registry, checks)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://a") as c:
        first = await c.get("/healthz")
        await c.get("/healthz")
    assert first.status_code == 503
    assert first.json()["checks"][1] == {"name": "database", "ok": False, "detail": "down",
                                         "fix": "start it"}  # fmt: skip
    assert calls == 1  # the checks are not run again for every probe


async def test_served_on_a_port_and_a_taken_port_costs_only_the_endpoint() -> None:
    async def checks() -> list[Check]:
        return [Check("ari", True, "ok")]

    app = make_app(_metrics_after_a_call().registry, checks)
    async with serving("127.0.0.1:0", app) as address:
        assert address is not None
        async with httpx.AsyncClient() as c:
            r = await c.get(f"http://{address}/healthz")
            assert r.status_code == 200 and r.json()["ok"] is True
        async with serving(address, app) as second:
            assert second is None  # logged, not raised
    async with serving(None, app) as nothing:
        assert nothing is None
