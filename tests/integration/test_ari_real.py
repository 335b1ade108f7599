"""AriClient against the real lab Asterisk 22 (lab/asterisk.sh; 127.0.0.1:8088).

These tests register their own Stasis app name (``APP``), not ``rufbereit``: a second
registration of ``rufbereit`` would take the app away from an agent that another test
is running against the same lab at the same time (ApplicationReplaced). What is
tested (credentials, reconnect, registration, StasisStart ordering) does not depend
on the name. Everything they create has ids starting with ``ari-it-`` and is removed
afterwards; other channels in the lab are never touched.
"""

from __future__ import annotations

import asyncio
import logging
import re
import statistics
import time
import uuid
from collections.abc import AsyncIterator

import pytest
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from agent.telephony.ari_client import AriClient, AriHttpError, AriUnavailable, ignore_status
from agent.telephony.ari_events import (
    ChannelDestroyed,
    Dial,
    StasisEnd,
    StasisStart,
)
from agent.telephony.ari_rest import AriRest
from tests.support.lab import (  # fixtures, until tests/conftest.py registers the plugin
    ARI_PASSWORD,
    ARI_URL,
    ARI_USER,
    _lab_session,  # noqa: F401
    lab,  # noqa: F401
)

pytestmark = pytest.mark.integration

APP = "rufbereit-ari-test"
PREFIX = "ari-it-"
ECHO = "Local/600@from-phones"  # the lab's echo extension: answers at once
log = logging.getLogger(__name__)


def new_id(kind: str = "ch") -> str:
    return f"{PREFIX}{kind}-{uuid.uuid4().hex[:12]}"


async def _cleanup(ari: AriClient) -> None:
    for channel in await ari.list_channels():
        if channel.id.startswith(PREFIX) or f"@{APP}" in channel.name:
            with ignore_status(404):
                await ari.hangup(channel.id)
    for bridge in await ari.list_bridges():
        if bridge.id.startswith(PREFIX):
            with ignore_status(404):
                await ari.destroy_bridge(bridge.id)


@pytest.fixture
async def ari(lab: None) -> AsyncIterator[AriClient]:  # noqa: F811
    client = AriClient(
        ARI_URL,
        ARI_USER,
        ARI_PASSWORD,
        APP,
        connect_timeout=5.0,
        max_backoff_s=2.0,
        initial_backoff_s=0.2,
        health_interval_s=1.0,
    )
    await client.start()
    try:
        yield client
    finally:
        try:
            await _cleanup(client)
        finally:
            await client.close()


async def _no_leftovers(ari: AriClient) -> None:
    async with asyncio.timeout(5):
        while True:
            channels = [c.id for c in await ari.list_channels() if c.id.startswith(PREFIX)]
            bridges = [b.id for b in await ari.list_bridges() if b.id.startswith(PREFIX)]
            if not channels and not bridges:
                return
            await asyncio.sleep(0.1)


# ---------------------------------------------------------------------- credentials


async def test_start_with_ampersand_equals_password(lab: None) -> None:  # noqa: F811
    assert "&" in ARI_PASSWORD and "=" in ARI_PASSWORD
    client = AriClient(ARI_URL, ARI_USER, ARI_PASSWORD, APP, connect_timeout=5.0)
    started = time.monotonic()
    try:
        await client.start()
        elapsed_ms = (time.monotonic() - started) * 1000
        assert client.connected
        app = await client.application()
        assert app.name == APP
        log.warning("ARI start() took %.0f ms", elapsed_ms)
        assert elapsed_ms < 2000
    finally:
        await client.close()
    assert not client.connected
    rest = AriRest(ARI_URL, ARI_USER, ARI_PASSWORD, APP)
    try:
        await asyncio.sleep(0.3)
        with pytest.raises(AriHttpError) as info:
            await rest.application()
        assert info.value.status == 404, "closing the socket unregisters the app"
    finally:
        await rest.aclose()


async def test_wrong_password_fails_clearly_and_fast(lab: None) -> None:  # noqa: F811
    client = AriClient(ARI_URL, ARI_USER, "lab&pass=2", APP, connect_timeout=5.0)
    started = time.monotonic()
    with pytest.raises(AriUnavailable) as info:
        await client.start()
    elapsed = time.monotonic() - started
    await client.close()
    message = str(info.value)
    assert "authentication failed (HTTP 401)" in message
    assert "ws://127.0.0.1:8088/ari/events?app=rufbereit-ari-test" in message
    assert "pass=2" not in message and "pass%3D2" not in message
    assert elapsed < 1.0


async def test_nothing_listening_fails_clearly() -> None:
    client = AriClient("http://127.0.0.1:8099/ari", ARI_USER, ARI_PASSWORD, APP, connect_timeout=1)
    with pytest.raises(AriUnavailable, match=re.escape("nothing answers at 127.0.0.1:8099")):
        await client.start()
    await client.close()


# ---------------------------------------------------------------------- reconnect


async def test_force_closed_socket_reconnects_and_app_is_registered_again(
    ari: AriClient,
) -> None:
    resyncs: list[float] = []
    ari.on_reconnect(lambda: resyncs.append(time.monotonic()))
    times: list[float] = []
    for round_no in range(1, 6):
        cut = time.monotonic()
        ari.events_socket.abort()  # the TCP connection dies, no close handshake
        await _eventually(lambda n=round_no: ari.events_socket.connects == n + 1 and ari.connected)
        times.append(time.monotonic() - cut)
        assert (await ari.application()).name == APP
        # ... and it is still registered after the delayed re-check window
        await asyncio.sleep(1.2)
        assert ari.connected
        assert (await ari.application()).name == APP
        # ... and events reach us again
        channel_id = new_id()
        waiter = ari.expect(StasisStart, channel_id=channel_id)
        await ari.create_channel(ECHO, channel_id=channel_id, app_args="after-reconnect")
        await waiter.wait(5)
        await ari.hangup(channel_id)
    log.warning(
        "reconnect after abort: median %.0f ms, max %.0f ms (initial backoff 0.2 s)",
        statistics.median(times) * 1000,
        max(times) * 1000,
    )
    assert len(resyncs) == 5
    assert max(times) < 3.0
    await _no_leftovers(ari)


async def test_application_replaced_then_taken_back_when_free(ari: AriClient) -> None:
    other = AriClient(ARI_URL, ARI_USER, ARI_PASSWORD, APP, connect_timeout=5.0)
    await other.start()
    try:
        await _eventually(lambda: not ari.connected)
        assert "ApplicationReplaced" in ari.events_socket.last_error
        await asyncio.sleep(1.5)  # no fight: the first client stays passive
        assert not ari.connected and other.connected
    finally:
        await other.close()
    started = time.monotonic()
    await ari.wait_connected(5.0)  # health check (1 s) sees 404 and reconnects
    log.warning(
        "took the app back %.0f ms after the other client left", (time.monotonic() - started) * 1000
    )
    assert (await ari.application()).name == APP


# ---------------------------------------------------------------------- StasisStart


async def test_create_expect_then_act_at_once_ten_times(ari: AriClient) -> None:
    """The notes: acting before StasisStart gave 422 (addChannel) or 409 (dial)."""
    waits: list[float] = []
    for _ in range(10):
        channel_id, bridge_id = new_id(), new_id("br")
        started = ari.expect(StasisStart, channel_id=channel_id)
        dialled = ari.expect(Dial, channel_id=channel_id, where=lambda e: e.dialstatus != "")
        ended = ari.expect(StasisEnd, channel_id=channel_id)
        t0 = time.monotonic()
        created = await ari.create_channel(ECHO, channel_id=channel_id, app_args=["ari-it", "x"])
        assert created.id == channel_id
        event = await started.wait(5)
        waits.append(time.monotonic() - t0)
        assert event.args == ("ari-it", "x")
        bridge = await ari.create_bridge(bridge_id)
        assert bridge.bridge_type == "mixing"
        await ari.add_channel(bridge_id, channel_id)  # no 422
        await ari.dial(channel_id, ring_timeout_s=5)  # no 409
        assert (await dialled.wait(5)).dialstatus == "ANSWER"
        await ari.hangup(channel_id)
        await ended.wait(5)
        await ari.destroy_bridge(bridge_id)
    log.warning(
        "create -> StasisStart: median %.1f ms, max %.1f ms",
        statistics.median(waits) * 1000,
        max(waits) * 1000,
    )
    await _no_leftovers(ari)


async def test_originate_local_ten_times(ari: AriClient) -> None:
    waits: list[float] = []
    for _ in range(10):
        channel_id = new_id()
        started = ari.expect(StasisStart, channel_id=channel_id)
        destroyed = ari.expect(ChannelDestroyed, channel_id=channel_id)
        t0 = time.monotonic()
        channel = await ari.originate(
            ECHO,
            app_args="escalation",
            caller_id="rufbereit <800>",
            ring_timeout_s=5,
            channel_id=channel_id,
            variables={"RUFBEREIT_TEST": "a&b=c"},
        )
        assert channel.id == channel_id
        event = await started.wait(5)
        waits.append(time.monotonic() - t0)
        assert event.args == ("escalation",)
        assert event.channel.state == "Up"
        assert await ari.get_channel_var(channel_id, "RUFBEREIT_TEST") == "a&b=c"
        await ari.answer(channel_id)
        await ari.hangup(channel_id)
        gone = await destroyed.wait(5)
        assert gone.cause == 16  # normal clearing
    log.warning(
        "originate -> StasisStart: median %.1f ms, max %.1f ms",
        statistics.median(waits) * 1000,
        max(waits) * 1000,
    )
    await _no_leftovers(ari)


# ---------------------------------------------------------------------- facts of ARI


async def test_external_media_websocket_enters_stasis_only_once_media_connects(
    ari: AriClient,
) -> None:
    """Fact: with transport=websocket + connection_type=server, the REST answer carries
    MEDIA_WEBSOCKET_CONNECTION_ID; StasisStart comes only after we connect to /media/ID."""
    channel_id = new_id("media")
    started = ari.expect(StasisStart, channel_id=channel_id)
    channel = await ari.external_media(
        external_host="INCOMING",
        format="slin16",
        transport="websocket",
        encapsulation="none",
        connection_type="server",
        direction="both",
        channel_id=channel_id,
    )
    assert channel.id == channel_id
    assert channel.state == "Down"
    assert channel.name.startswith("WebSocket/INCOMING/")
    connection_id = channel.channelvars["MEDIA_WEBSOCKET_CONNECTION_ID"]
    assert channel.channelvars["MEDIA_WEBSOCKET_OPTIMAL_FRAME_SIZE"] == "640"
    assert await ari.get_channel_var(channel_id, "MEDIA_WEBSOCKET_CONNECTION_ID") == connection_id
    await asyncio.sleep(0.5)
    assert not started.done, "StasisStart before the media websocket connected"
    async with connect(
        f"ws://127.0.0.1:8088/media/{connection_id}",
        subprotocols=[Subprotocol("media")],
        proxy=None,
    ) as media:
        event = await started.wait(5)
        assert event.channel.state == "Up"
        first = await asyncio.wait_for(media.recv(), 5)
        assert isinstance(first, str) and first.startswith("MEDIA_START")
        assert "format:slin16" in first and f"channel_id:{channel_id}" in first
        await ari.hangup(channel_id)
    await _no_leftovers(ari)


async def test_rest_errors_on_gone_things(ari: AriClient) -> None:
    with pytest.raises(AriHttpError) as info:
        await ari.hangup(new_id())
    assert info.value.not_found and info.value.message == "Channel not found"
    with pytest.raises(AriHttpError) as info:
        await ari.get_channel_var(new_id(), "X")
    assert info.value.not_found and "channel" in info.value.message.lower()
    with pytest.raises(AriHttpError) as info:
        await ari.destroy_bridge(new_id("br"))
    assert info.value.not_found
    channel_id = new_id()
    started = ari.expect(StasisStart, channel_id=channel_id)
    await ari.create_channel(ECHO, channel_id=channel_id)
    await started.wait(5)
    assert await ari.get_channel_var(channel_id, "RUFBEREIT_NEVER_SET") is None
    await ari.set_channel_var(channel_id, "RUFBEREIT_RESULT", "fallback")
    assert await ari.get_channel_var(channel_id, "RUFBEREIT_RESULT") == "fallback"
    await ari.hangup(channel_id)
    await _no_leftovers(ari)


async def _eventually(check: object, within: float = 5.0) -> None:
    assert callable(check)
    async with asyncio.timeout(within):
        while not check():  # noqa: ASYNC110 (polling a condition)
            await asyncio.sleep(0.01)
