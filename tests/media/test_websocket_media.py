"""WebSocketMediaSession against a local websocket server that behaves like Asterisk's
chan_websocket ``/media/<connection id>`` endpoint: MEDIA_START, binary audio both
ways, DTMF_END, a 20 ms playout queue with MEDIA_XOFF/MEDIA_XON, FLUSH_MEDIA."""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from agent.telephony.media import (
    FRAME_BYTES,
    AudioFrame,
    DtmfDigit,
    MediaError,
    MediaEvent,
    MediaTimeoutError,
    WebSocketMediaSession,
)
from agent.telephony.media.websocket_media import format_command, parse_control

CONNECTION_ID = "9f0c6a62-51a4-4b39-9a5e-5d1b0c3e7a11"


class FakeMediaEndpoint:
    """Asterisk's side of one media websocket (one connection id)."""

    def __init__(
        self,
        *,
        fmt: str = "slin16",
        json_control: bool = False,
        send_start: bool = True,
        xoff_at: int = 900,
        xon_at: int = 800,
        max_queue: int = 1000,
        start_with_xoff_for: float = 0.0,
    ) -> None:
        self.fmt = fmt
        self.json_control = json_control
        self.send_start = send_start
        self.xoff_at, self.xon_at, self.max_queue = xoff_at, xon_at, max_queue
        self.start_with_xoff_for = start_with_xoff_for
        self.queue: collections.deque[bytes] = collections.deque()
        self.played: list[tuple[float, bytes]] = []
        self.binary: list[tuple[float, bytes]] = []
        self.commands: list[str] = []
        self.flushes = 0
        self.dropped = 0
        self.peak_queue = 0
        self.connected = asyncio.Event()
        self.disconnected = asyncio.Event()
        self.subprotocol: str | None = None
        self._full = False
        self._conn: ServerConnection | None = None
        self._server: Server | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"ws://127.0.0.1:{port}/media/{CONNECTION_ID}"

    async def start(self) -> None:
        self._server = await serve(
            self._handler,
            "127.0.0.1",
            0,
            subprotocols=[Subprotocol("media")],
            process_request=self._check_path,
            compression=None,
        )

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    def _check_path(self, conn: ServerConnection, request: Request) -> Response | None:
        if request.path != f"/media/{CONNECTION_ID}":
            return conn.respond(404, "WebSocket instance not found")
        return None

    def _event(self, name: str, **fields: Any) -> str:
        if self.json_control:
            return json.dumps({"event": name, "channel_id": "1712.34", **fields})
        parts = [name] + [f"{k}:{v}" for k, v in fields.items()]
        return " ".join(parts)

    async def _handler(self, conn: ServerConnection) -> None:
        self._conn = conn
        self.subprotocol = conn.subprotocol
        if self.send_start:
            await conn.send(
                self._event(
                    "MEDIA_START",
                    connection_id=CONNECTION_ID,
                    channel=f"WebSocket/INCOMING/{CONNECTION_ID}",
                    channel_id="1712.34",
                    format=self.fmt,
                    optimal_frame_size=FRAME_BYTES,
                    ptime=20,
                )
            )
        if self.start_with_xoff_for:
            await conn.send(self._event("MEDIA_XOFF"))
            asyncio.get_running_loop().call_later(
                self.start_with_xoff_for,
                lambda: asyncio.ensure_future(self.send_text(self._event("MEDIA_XON"))),
            )
        self.connected.set()
        playout = asyncio.create_task(self._playout(conn))
        try:
            async for message in conn:
                if isinstance(message, bytes):
                    await self._queue_audio(conn, message)
                else:
                    await self._command(conn, message)
        except ConnectionClosed:
            pass
        finally:
            playout.cancel()
            self.disconnected.set()

    async def _queue_audio(self, conn: ServerConnection, data: bytes) -> None:
        self.binary.append((time.monotonic(), data))
        if len(self.queue) >= self.max_queue:
            self.dropped += len(data) // FRAME_BYTES
            return
        for i in range(0, len(data) - FRAME_BYTES + 1, FRAME_BYTES):  # a partial tail is lost
            self.queue.append(data[i : i + FRAME_BYTES])
        self.peak_queue = max(self.peak_queue, len(self.queue))
        if not self._full and len(self.queue) >= self.xoff_at:
            self._full = True
            await conn.send(self._event("MEDIA_XOFF"))

    async def _command(self, conn: ServerConnection, text: str) -> None:
        self.commands.append(text)
        name = json.loads(text)["command"] if self.json_control else text.split()[0]
        if name == "FLUSH_MEDIA":
            self.flushes += 1
            self.queue.clear()
        elif name == "HANGUP":
            await conn.close()

    async def _playout(self, conn: ServerConnection) -> None:
        next_tick = time.monotonic()
        while True:
            next_tick += 0.02
            await asyncio.sleep(max(0.0, next_tick - time.monotonic()))
            if self._full and len(self.queue) < self.xon_at:
                self._full = False
                await conn.send(self._event("MEDIA_XON"))
            if self.queue:
                self.played.append((time.monotonic(), self.queue.popleft()))

    async def send_text(self, text: str) -> None:
        assert self._conn is not None
        await self._conn.send(text)

    async def send_audio(self, pcm: bytes) -> None:
        assert self._conn is not None
        await self._conn.send(pcm)

    async def hang_up(self) -> None:
        assert self._conn is not None
        await self._conn.close(1000)


@pytest.fixture
async def connected() -> AsyncIterator[Any]:
    made: list[tuple[FakeMediaEndpoint, WebSocketMediaSession | None]] = []

    async def make(
        session_kwargs: dict[str, Any] | None = None, **endpoint_kwargs: Any
    ) -> tuple[FakeMediaEndpoint, WebSocketMediaSession]:
        endpoint = FakeMediaEndpoint(**endpoint_kwargs)
        await endpoint.start()
        made.append((endpoint, None))
        session = await WebSocketMediaSession.connect(
            endpoint.url, CONNECTION_ID, **(session_kwargs or {})
        )
        made[-1] = (endpoint, session)
        return endpoint, session

    yield make
    for endpoint, session in made:
        if session is not None:
            await session.close()
        await endpoint.stop()


def tone(frames: int) -> bytes:
    return b"".join(bytes([n % 251 + 1, 0]) * (FRAME_BYTES // 2) for n in range(frames))


async def collect(session: WebSocketMediaSession, within: float = 3.0) -> list[MediaEvent]:
    async def run() -> list[MediaEvent]:
        return [e async for e in session.events()]

    return await asyncio.wait_for(run(), within)


async def wait_until(predicate: Callable[[], bool], within: float = 3.0) -> None:
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


# ------------------------------------------------------------ control messages


def test_parse_plain_text_control() -> None:
    msg = parse_control(
        "MEDIA_START connection_id:abc channel:WebSocket/INCOMING/0x7f channel_id:17.3 "
        "format:slin16 optimal_frame_size:640 ptime:20"
    )
    assert msg.name == "MEDIA_START"
    assert msg.params["channel"] == "WebSocket/INCOMING/0x7f"
    assert msg.params["optimal_frame_size"] == "640"
    assert not msg.is_json
    done = parse_control("MEDIA_BUFFERING_COMPLETED prompt-7\n")
    assert done.name == "MEDIA_BUFFERING_COMPLETED"
    assert done.args == ("prompt-7",)
    assert parse_control("DTMF_END digit:# channel_id:1.2").params["digit"] == "#"


def test_parse_json_control() -> None:
    msg = parse_control(
        '{"event":"STATUS","channel_id":"1.2","queue_length":43,"queue_full":false,'
        '"channel_variables":{"A":"b"}}'
    )
    assert msg.is_json
    assert msg.name == "STATUS"
    assert msg.params == {
        "channel_id": "1.2",
        "queue_length": "43",
        "queue_full": "false",
        "channel_variables": '{"A":"b"}',
    }


@pytest.mark.parametrize("bad", ["", "   ", "{not json", '{"no_event": 1}', '{"event": ""}'])
def test_unparsable_control_is_a_value_error(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_control(bad)


def test_commands_in_both_formats() -> None:
    assert format_command("FLUSH_MEDIA", as_json=False) == "FLUSH_MEDIA"
    assert format_command("MARK_MEDIA", as_json=False, correlation_id="x1") == "MARK_MEDIA x1"
    assert json.loads(format_command("FLUSH_MEDIA", as_json=True)) == {"command": "FLUSH_MEDIA"}


# ------------------------------------------------------------ connecting


async def test_connect_reads_media_start(connected: Any) -> None:
    endpoint, session = await connected()
    assert endpoint.subprotocol == "media"
    start = session.media_start
    assert start is not None
    assert (start.format, start.optimal_frame_size, start.ptime_ms) == ("slin16", 640, 20)
    assert start.connection_id == CONNECTION_ID
    assert start.channel_id == "1712.34"
    assert not session.json_control
    assert not session.closed


async def test_unknown_connection_id_is_a_clear_error() -> None:
    endpoint = FakeMediaEndpoint()
    await endpoint.start()
    try:
        with pytest.raises(MediaError, match="HTTP 404"):
            await WebSocketMediaSession.connect(endpoint.url.replace(CONNECTION_ID, "nope"))
    finally:
        await endpoint.stop()


async def test_nothing_listening_is_a_media_error() -> None:
    with pytest.raises(MediaError, match="cannot open"):
        await WebSocketMediaSession.connect("ws://127.0.0.1:9/media/x", open_timeout=2)


async def test_missing_media_start_times_out() -> None:
    endpoint = FakeMediaEndpoint(send_start=False)
    await endpoint.start()
    try:
        with pytest.raises(MediaTimeoutError, match="MEDIA_START"):
            await WebSocketMediaSession.connect(endpoint.url, start_timeout=0.3)
        await asyncio.wait_for(endpoint.disconnected.wait(), 2)  # and it hung up
    finally:
        await endpoint.stop()


async def test_wrong_format_is_refused() -> None:
    endpoint = FakeMediaEndpoint(fmt="ulaw")
    await endpoint.start()
    try:
        with pytest.raises(MediaError, match="format=slin16"):
            await WebSocketMediaSession.connect(endpoint.url)
    finally:
        await endpoint.stop()


# ------------------------------------------------------------ caller -> agent


async def test_audio_dtmf_and_hangup(connected: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # every log call with its extra= fields really runs
    endpoint, session = await connected()
    pcm = tone(4)
    await endpoint.send_audio(pcm[:FRAME_BYTES])
    await endpoint.send_text("DTMF_END digit:1 channel_id:1712.34")
    await endpoint.send_audio(pcm[FRAME_BYTES : 3 * FRAME_BYTES])  # two frames in one message
    await endpoint.send_text("SOMETHING_NEW from:a-future-asterisk")  # ignored
    await endpoint.send_text("DTMF_END digit:Z")  # not a digit: ignored
    await endpoint.send_audio(pcm[3 * FRAME_BYTES : 3 * FRAME_BYTES + 100])  # split frame
    await endpoint.send_audio(pcm[3 * FRAME_BYTES + 100 :])
    await endpoint.send_text("DTMF_END digit:#")
    await endpoint.hang_up()
    events = await collect(session)
    assert events == [
        AudioFrame(pcm[:FRAME_BYTES]),
        DtmfDigit("1"),
        AudioFrame(pcm[FRAME_BYTES : 2 * FRAME_BYTES]),
        AudioFrame(pcm[2 * FRAME_BYTES : 3 * FRAME_BYTES]),
        AudioFrame(pcm[3 * FRAME_BYTES :]),
        DtmfDigit("#"),
    ]
    assert session.closed
    await session.play(tone(5))  # after hangup: returns quietly
    assert "control message ignored" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_json_control_format(connected: Any) -> None:
    endpoint, session = await connected(json_control=True)
    assert session.json_control
    await endpoint.send_text(json.dumps({"event": "DTMF_END", "channel_id": "1.2", "digit": "7"}))
    await endpoint.hang_up()
    assert await collect(session) == [DtmfDigit("7")]


async def test_json_commands(connected: Any) -> None:
    endpoint, session = await connected(json_control=True)
    await session.flush()
    await wait_until(lambda: endpoint.flushes == 1)
    assert json.loads(endpoint.commands[0]) == {"command": "FLUSH_MEDIA"}


# ------------------------------------------------------------ agent -> caller


async def test_play_stays_close_to_real_time(connected: Any) -> None:
    endpoint, session = await connected()
    frames = 50  # 1 s
    pcm = tone(frames)[:-200]  # the last frame is padded, never lost
    t0 = time.monotonic()
    await session.play(pcm)
    elapsed = time.monotonic() - t0
    # play() returns when the audio has (roughly) been heard: ratio, not a wall-clock bound.
    assert 0.85 < elapsed / (frames * 0.02) < 1.4
    assert len(endpoint.queue) <= 3
    # Never far ahead: lead 300 ms + one 100 ms message, plus a little timing slop.
    assert endpoint.peak_queue <= 23
    assert all(len(data) % FRAME_BYTES == 0 for _, data in endpoint.binary)
    await wait_until(lambda: len(endpoint.played) == frames)
    heard = b"".join(f for _, f in endpoint.played)
    assert heard[: len(pcm)] == pcm
    assert heard[len(pcm) :] == bytes(200)


async def test_flush_sends_flush_media_and_stops_at_once(connected: Any) -> None:
    endpoint, session = await connected()
    playing = asyncio.create_task(session.play(tone(150)))  # 3 s
    queued = asyncio.create_task(session.play(tone(50)))  # waiting behind it: dropped too
    await asyncio.sleep(0.5)
    t_flush = time.monotonic()
    await session.flush()
    await asyncio.wait_for(asyncio.gather(playing, queued), 1)
    assert time.monotonic() - t_flush < 0.15
    await wait_until(lambda: endpoint.flushes == 1)
    assert endpoint.commands == ["FLUSH_MEDIA"]
    await asyncio.sleep(0.1)
    sent_frames = sum(len(d) for _, d in endpoint.binary) // FRAME_BYTES
    assert sent_frames < 60  # 0.5 s played + at most the lead, not 4 s
    assert not endpoint.queue
    # Playing again after a flush works.
    before = len(endpoint.played)
    await session.play(tone(5))
    await wait_until(lambda: len(endpoint.played) >= before + 5)


async def test_xoff_pauses_until_xon(connected: Any) -> None:
    endpoint, session = await connected(start_with_xoff_for=0.4)
    await asyncio.sleep(0.05)  # the XOFF has arrived
    t0 = time.monotonic()
    await session.play(tone(5))
    assert endpoint.binary
    first = endpoint.binary[0][0]
    assert first - t0 >= 0.3
    assert session.xoff_count == 1


async def test_flow_control_when_the_queue_fills(connected: Any) -> None:
    # A client allowed to run 2 s ahead against an Asterisk that says XOFF at 10 frames
    # and drops what comes at 40 (like 900 and 1000 in Asterisk): it must wait for
    # MEDIA_XON, so nothing is dropped and the queue never gets near 60 frames.
    endpoint, session = await connected(
        session_kwargs={"lead_ms": 2000, "chunk_frames": 5}, xoff_at=10, xon_at=5, max_queue=40
    )
    await session.play(tone(60))
    await wait_until(lambda: len(endpoint.played) == 60)
    assert endpoint.dropped == 0
    assert session.xoff_count >= 1
    assert endpoint.peak_queue < 40


async def test_close_closes_the_websocket(connected: Any) -> None:
    endpoint, session = await connected()
    await session.close()
    await session.close()  # idempotent
    await asyncio.wait_for(endpoint.disconnected.wait(), 2)
    assert session.closed
    assert await collect(session) == []


async def test_hangup_command(connected: Any) -> None:
    endpoint, session = await connected()
    await session.hangup()
    await asyncio.wait_for(endpoint.disconnected.wait(), 2)
    assert endpoint.commands == ["HANGUP"]
