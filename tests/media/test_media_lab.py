"""Both media transports against the real lab Asterisk, bridged to each other.

One chan_websocket channel and one AudioSocket channel (both externalMedia, slin16)
in a mixing bridge: what the agent plays into one comes out of the other. No SIP
phone needed. Uses its own Stasis app and channel names, so it does not disturb an
agent answering calls on the same lab, and removes what it created.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import urllib.parse
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import numpy as np
import pytest
from websockets.asyncio.client import connect

from agent.speech.audio import dbfs
from agent.telephony.media import (
    AudioFrame,
    AudioSocketServer,
    AudioSocketSession,
    DtmfDigit,
    MediaEvent,
    MediaSession,
    WebSocketMediaSession,
)
from tests.support.lab import ARI_PASSWORD, ARI_URL, ARI_USER, ari_client
from tests.support.lab import _lab_session as _lab_session
from tests.support.lab import lab as lab

pytestmark = pytest.mark.integration

APP = "rufbereit-mediatest"
LOUD_DBFS = -40.0


def tone(seconds: float, freq: float) -> bytes:
    t = np.arange(int(16000 * seconds)) / 16000
    return (np.sin(2 * np.pi * freq * t) * 8000).astype("<i2").tobytes()


@dataclass
class Recorder:
    """Everything a session yields, with arrival times."""

    session: MediaSession
    events: list[tuple[float, MediaEvent]]
    task: asyncio.Task[None]

    @classmethod
    def start(cls, session: MediaSession) -> Recorder:
        events: list[tuple[float, MediaEvent]] = []

        async def run() -> None:
            async for event in session.events():
                events.append((time.monotonic(), event))

        return cls(session, events, asyncio.create_task(run()))

    def loud_since(self, t0: float) -> list[float]:
        return [
            t
            for t, e in self.events
            if t >= t0 and isinstance(e, AudioFrame) and dbfs(e.pcm) > LOUD_DBFS
        ]

    def digits(self) -> str:
        return "".join(e.digit for _, e in self.events if isinstance(e, DtmfDigit))


@dataclass
class Bridged:
    ws: WebSocketMediaSession
    au: AudioSocketSession
    ws_rec: Recorder
    au_rec: Recorder
    ws_channel: str
    au_channel: str
    ari: httpx.AsyncClient


@contextlib.asynccontextmanager
async def stasis_app(started: dict[str, float]) -> AsyncIterator[None]:
    """Registers APP (an events websocket) and notes when channels enter it."""
    key = urllib.parse.quote(f"{ARI_USER}:{ARI_PASSWORD}", safe="")
    base = ARI_URL.replace("http", "ws", 1)
    async with connect(f"{base}/events?app={APP}&api_key={key}", proxy=None) as events:

        async def read() -> None:
            async for raw in events:
                event = json.loads(raw)
                if event.get("type") == "StasisStart":
                    started[event["channel"]["id"]] = time.monotonic()

        reader = asyncio.create_task(read())
        try:
            yield
        finally:
            reader.cancel()


@pytest.fixture
async def bridged(lab: None) -> AsyncIterator[Bridged]:
    tag = uuid.uuid4()
    ws_channel, au_channel = f"rbmt-ws-{tag.hex[:12]}", f"rbmt-as-{tag.hex[:12]}"
    bridge = f"rbmt-br-{tag.hex[:12]}"
    started: dict[str, float] = {}
    server = AudioSocketServer("127.0.0.1", 0)
    async with stasis_app(started), server, ari_client() as ari:
        try:
            common = {"app": APP, "format": "slin16", "direction": "both"}
            accepting = asyncio.create_task(server.accept(tag, timeout=5))
            r = await ari.post(
                "/channels/externalMedia",
                params={
                    **common,
                    "channelId": ws_channel,
                    "external_host": "INCOMING",
                    "transport": "websocket",
                    "encapsulation": "none",
                    "connection_type": "server",
                },
            )
            assert r.status_code == 200, r.text
            cid = r.json().get("channelvars", {}).get("MEDIA_WEBSOCKET_CONNECTION_ID")
            assert cid, "Asterisk gave no MEDIA_WEBSOCKET_CONNECTION_ID"
            r = await ari.post(
                "/channels/externalMedia",
                params={
                    **common,
                    "channelId": au_channel,
                    "external_host": f"127.0.0.1:{server.port}",
                    "transport": "tcp",
                    "encapsulation": "audiosocket",
                    "data": str(tag),
                },
            )
            assert r.status_code == 200, r.text
            media_base = ARI_URL.replace("http", "ws", 1).removesuffix("/ari") + "/media"
            ws = await WebSocketMediaSession.connect(f"{media_base}/{cid}", cid)
            au = await accepting
            deadline = time.monotonic() + 5
            while not {ws_channel, au_channel} <= started.keys():
                assert time.monotonic() < deadline, "no StasisStart for the media channels"
                await asyncio.sleep(0.02)
            r = await ari.post("/bridges", params={"bridgeId": bridge, "type": "mixing"})
            assert r.status_code == 200, r.text
            r = await ari.post(
                f"/bridges/{bridge}/addChannel", params={"channel": f"{ws_channel},{au_channel}"}
            )
            assert r.status_code == 204, r.text
            await asyncio.sleep(0.2)
            try:
                yield Bridged(
                    ws, au, Recorder.start(ws), Recorder.start(au), ws_channel, au_channel, ari
                )
            finally:
                await ws.close()
                await au.close()
        finally:
            for channel in (ws_channel, au_channel):
                await ari.delete(f"/channels/{channel}")
            await ari.delete(f"/bridges/{bridge}")


async def test_media_start_from_real_asterisk(bridged: Bridged) -> None:
    start = bridged.ws.media_start
    assert start is not None
    assert (start.format, start.optimal_frame_size, start.ptime_ms) == ("slin16", 640, 20)
    assert start.channel_id == bridged.ws_channel


async def test_audio_both_ways_complete_and_in_time(bridged: Bridged) -> None:
    # websocket -> Asterisk -> AudioSocket
    t0 = time.monotonic()
    await bridged.ws.play(tone(1.0, 440))
    returned = time.monotonic() - t0
    await asyncio.sleep(0.3)
    heard = bridged.au_rec.loud_since(t0)
    assert len(heard) >= 48, f"{len(heard)} of 50 frames arrived"
    assert 0.85 < returned / 1.0 < 1.4  # play() returns when it has been heard
    assert heard[-1] - (t0 + returned) < 0.15
    # AudioSocket -> Asterisk -> websocket (our pacing: nothing cut)
    t1 = time.monotonic()
    await bridged.au.play(tone(1.0, 660))
    await asyncio.sleep(0.3)
    heard = bridged.ws_rec.loud_since(t1)
    assert len(heard) >= 48, f"{len(heard)} of 50 frames arrived"
    assert 0.85 < (heard[-1] - heard[0]) / 0.98 < 1.3


@pytest.mark.parametrize("side", ["websocket", "audiosocket"])
async def test_flush_stops_the_audio_at_once(bridged: Bridged, side: str) -> None:
    player, listener = (
        (bridged.ws, bridged.au_rec) if side == "websocket" else (bridged.au, bridged.ws_rec)
    )
    t0 = time.monotonic()
    playing = asyncio.create_task(player.play(tone(3.0, 500)))
    await asyncio.sleep(0.6)
    t_flush = time.monotonic()
    await player.flush()
    await asyncio.wait_for(playing, 0.5)
    await asyncio.sleep(0.4)
    heard = listener.loud_since(t0)
    assert heard, "nothing was heard before the flush"
    assert heard[-1] - t_flush < 0.1, f"audio went on {heard[-1] - t_flush:.3f} s after flush"


async def test_dtmf_reaches_both_transports(bridged: Bridged) -> None:
    r = await bridged.ari.post(f"/channels/{bridged.ws_channel}/dtmf", params={"dtmf": "12#"})
    assert r.status_code == 204, r.text
    r = await bridged.ari.post(f"/channels/{bridged.au_channel}/dtmf", params={"dtmf": "9*"})
    assert r.status_code == 204, r.text
    deadline = time.monotonic() + 5
    while bridged.ws_rec.digits() != "12#" or bridged.au_rec.digits() != "9*":
        assert time.monotonic() < deadline, (bridged.ws_rec.digits(), bridged.au_rec.digits())
        await asyncio.sleep(0.05)


async def test_hangup_in_asterisk_ends_both_sessions(bridged: Bridged) -> None:
    await bridged.ari.delete(f"/channels/{bridged.ws_channel}")
    await bridged.ari.delete(f"/channels/{bridged.au_channel}")
    await asyncio.wait_for(asyncio.gather(bridged.ws_rec.task, bridged.au_rec.task), 3)
    assert bridged.ws.closed
    assert bridged.au.closed
