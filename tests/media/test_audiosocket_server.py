"""AudioSocketServer on a real TCP socket, with a client that behaves like Asterisk:
it connects, sends the UUID, audio (kind 0x12) and DTMF, and records what the agent
sends back with arrival times."""

from __future__ import annotations

import asyncio
import itertools
import logging
import statistics
import time
import uuid
from collections.abc import AsyncIterator, Callable

import pytest

from agent.telephony.media import (
    FRAME_BYTES,
    AudioFrame,
    AudioSocketServer,
    AudioSocketSession,
    DtmfDigit,
    MediaError,
    MediaEvent,
    MediaTimeoutError,
)
from agent.telephony.media.audiosocket_codec import (
    Decoder,
    Kind,
    Message,
    encode,
    encode_audio,
    encode_dtmf,
    encode_hangup,
    encode_uuid,
)


class FakeAsterisk:
    """The Asterisk side of one AudioSocket connection."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.received: list[tuple[float, Message]] = []
        self.eof = asyncio.Event()
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._task: asyncio.Task[None] | None = None

    async def connect(self, call_id: uuid.UUID | None = None) -> FakeAsterisk:
        self._reader, self._writer = await asyncio.open_connection("127.0.0.1", self.port)
        self._task = asyncio.create_task(self._read())
        if call_id is not None:
            await self.send(encode_uuid(call_id))
        return self

    async def _read(self) -> None:
        assert self._reader is not None
        decoder = Decoder()
        while data := await self._reader.read(65536):
            now = time.monotonic()
            self.received += [(now, m) for m in decoder.feed(data)]
        self.eof.set()

    async def send(self, data: bytes) -> None:
        assert self._writer is not None
        self._writer.write(data)
        await self._writer.drain()

    def audio(self) -> list[tuple[float, Message]]:
        return [(t, m) for t, m in self.received if m.kind == Kind.SLIN16]

    def kinds(self) -> list[int]:
        return [m.kind for _, m in self.received]

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            await self._writer.wait_closed()
        if self._task is not None:
            await asyncio.wait_for(self._task, 2)


OPEN: list[FakeAsterisk] = []


def fake(port: int) -> FakeAsterisk:
    """A FakeAsterisk that is closed at the end of the test."""
    f = FakeAsterisk(port)
    OPEN.append(f)
    return f


@pytest.fixture
async def server() -> AsyncIterator[AudioSocketServer]:
    srv = AudioSocketServer("127.0.0.1", 0, claim_timeout=0.5, handshake_timeout=0.5)
    await srv.start()
    yield srv
    await srv.close()
    while OPEN:
        await OPEN.pop().close()


async def wait_until(predicate: Callable[[], bool], within: float = 3.0) -> None:
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


async def collect(session: AudioSocketSession, within: float = 3.0) -> list[MediaEvent]:
    async def run() -> list[MediaEvent]:
        return [e async for e in session.events()]

    return await asyncio.wait_for(run(), within)


def tone(frames: int) -> bytes:
    return b"".join(bytes([n % 251 + 1, 0]) * (FRAME_BYTES // 2) for n in range(frames))


# ------------------------------------------------------------ connecting


async def test_accept_before_asterisk_connects(server: AudioSocketServer) -> None:
    call = uuid.uuid4()
    accepting = asyncio.create_task(server.accept(call, timeout=3))
    await asyncio.sleep(0.05)
    ast = await fake(server.port).connect(call)
    session = await accepting
    assert session.call_id == call
    assert not session.closed
    await ast.close()


async def test_asterisk_connects_before_accept(server: AudioSocketServer) -> None:
    call = uuid.uuid4()
    ast = await fake(server.port).connect(call)
    await ast.send(encode_audio(tone(1)))  # audio before anyone claimed the call is kept
    await asyncio.sleep(0.1)
    session = await server.accept(str(call), timeout=3)  # a string id works too
    assert session.call_id == call
    await ast.send(encode_hangup())
    events = await collect(session)
    assert events == [AudioFrame(tone(1))]


async def test_unknown_uuid_is_hung_up(server: AudioSocketServer) -> None:
    ast = await fake(server.port).connect(uuid.uuid4())
    await asyncio.wait_for(ast.eof.wait(), 3)  # claim_timeout is 0.5 s
    assert ast.kinds() == [Kind.HANGUP]
    assert server.active_sessions == 0


async def test_accept_times_out_with_a_typed_error(server: AudioSocketServer) -> None:
    t0 = time.monotonic()
    with pytest.raises(MediaTimeoutError):
        await server.accept(uuid.uuid4(), timeout=0.2)
    assert time.monotonic() - t0 < 2
    # The expectation is gone: a late connection is treated as unknown.


async def test_first_message_must_be_the_uuid(server: AudioSocketServer) -> None:
    bad = await fake(server.port).connect()
    await bad.send(encode_audio(tone(1)))
    await asyncio.wait_for(bad.eof.wait(), 3)
    # The server keeps serving.
    call = uuid.uuid4()
    accepting = asyncio.create_task(server.accept(call, timeout=3))
    good = await fake(server.port).connect(call)
    assert (await accepting).call_id == call
    await good.close()


async def test_silent_connection_is_dropped_after_handshake_timeout(
    server: AudioSocketServer,
) -> None:
    ast = await fake(server.port).connect()
    await asyncio.wait_for(ast.eof.wait(), 3)  # handshake_timeout is 0.5 s


async def test_second_connection_for_the_same_uuid_is_rejected(server: AudioSocketServer) -> None:
    call = uuid.uuid4()
    accepting = asyncio.create_task(server.accept(call, timeout=3))
    first = await fake(server.port).connect(call)
    session = await accepting
    second = await fake(server.port).connect(call)
    await asyncio.wait_for(second.eof.wait(), 3)
    assert not session.closed
    await first.close()


async def test_duplicate_accept_is_an_error(server: AudioSocketServer) -> None:
    call = uuid.uuid4()
    first = asyncio.create_task(server.accept(call, timeout=3))
    await asyncio.sleep(0.01)
    with pytest.raises(MediaError):
        await server.accept(call, timeout=1)
    first.cancel()


async def test_closing_the_server_fails_pending_accepts() -> None:
    srv = AudioSocketServer("127.0.0.1", 0)
    await srv.start()
    accepting = asyncio.create_task(srv.accept(uuid.uuid4(), timeout=5))
    await asyncio.sleep(0.01)
    await srv.close()
    with pytest.raises(MediaError):
        await accepting


async def test_port_in_use_gives_a_media_error(server: AudioSocketServer) -> None:
    other = AudioSocketServer("127.0.0.1", server.port)
    with pytest.raises(MediaError, match="cannot listen"):
        await other.start()


# ------------------------------------------------------------ caller -> agent


async def _connected(server: AudioSocketServer) -> tuple[FakeAsterisk, AudioSocketSession]:
    call = uuid.uuid4()
    accepting = asyncio.create_task(server.accept(call, timeout=3))
    ast = await fake(server.port).connect(call)
    return ast, await accepting


async def test_audio_and_dtmf_arrive_in_order_and_hangup_ends(server: AudioSocketServer) -> None:
    ast, session = await _connected(server)
    pcm = tone(3)
    await ast.send(
        encode_audio(pcm[:FRAME_BYTES])
        + encode_dtmf("1")
        + encode_audio(pcm[FRAME_BYTES : 2 * FRAME_BYTES])
        + encode_dtmf("#")
    )
    await ast.send(encode_audio(pcm[2 * FRAME_BYTES :]))
    await ast.send(encode_hangup())
    events = await collect(session)
    assert events == [
        AudioFrame(pcm[:FRAME_BYTES]),
        DtmfDigit("1"),
        AudioFrame(pcm[FRAME_BYTES : 2 * FRAME_BYTES]),
        DtmfDigit("#"),
        AudioFrame(pcm[2 * FRAME_BYTES :]),
    ]
    await wait_until(lambda: session.closed)
    await ast.close()


async def test_split_writes_are_reassembled(server: AudioSocketServer) -> None:
    ast, session = await _connected(server)
    wire = encode_audio(tone(2)) + encode_dtmf("5") + encode_hangup()
    for i in range(0, len(wire), 7):
        await ast.send(wire[i : i + 7])
        await asyncio.sleep(0)
    events = await collect(session)
    assert events == [
        AudioFrame(tone(2)[:FRAME_BYTES]),
        AudioFrame(tone(2)[FRAME_BYTES:]),
        DtmfDigit("5"),
    ]
    await ast.close()


async def test_eof_ends_events(server: AudioSocketServer) -> None:
    ast, session = await _connected(server)
    await ast.send(encode_audio(tone(1)))
    await ast.close()
    assert await collect(session) == [AudioFrame(tone(1))]
    assert session.closed


async def test_bad_frames_are_dropped_not_fatal(
    server: AudioSocketServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every log call with its extra= fields really runs
    ast, session = await _connected(server)
    await ast.send(
        encode(Kind.SLIN16, b"\x01\x02\x03")  # odd length
        + encode(Kind.SLIN, bytes(320))  # 8 kHz audio
        + encode(0x42, b"junk")  # unknown kind
        + encode(Kind.DTMF, b"x")  # not a digit
        + encode_audio(tone(1))
        + encode_hangup()
    )
    assert await collect(session) == [AudioFrame(tone(1))]
    assert caplog.text.count("bad AudioSocket message dropped") == 4
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    await ast.close()


async def test_odd_sized_audio_is_reframed_to_20_ms(server: AudioSocketServer) -> None:
    ast, session = await _connected(server)
    pcm = tone(3)
    await ast.send(encode_audio(pcm[:320]) + encode_audio(pcm[320:1600]) + encode_audio(pcm[1600:]))
    await ast.send(encode_hangup())
    events = await collect(session)
    assert events == [AudioFrame(pcm[i : i + FRAME_BYTES]) for i in range(0, len(pcm), FRAME_BYTES)]
    await ast.close()


# ------------------------------------------------------------ agent -> caller


async def test_play_is_paced_in_20_ms_frames(server: AudioSocketServer) -> None:
    ast, session = await _connected(server)
    frames = 50  # 1 s
    pcm = tone(frames)[:-100]  # not a whole number of frames: the last one is padded
    t0 = time.monotonic()
    await session.play(pcm)
    elapsed = time.monotonic() - t0
    await wait_until(lambda: len(ast.audio()) == frames)
    audio = ast.audio()
    assert all(len(m.payload) == FRAME_BYTES for _, m in audio)
    assert b"".join(m.payload for _, m in audio)[: len(pcm)] == pcm
    assert audio[-1][1].payload.endswith(bytes(100))
    duration = frames * 0.02
    # Ratios, not wall-clock bounds: the first frame goes at once, the last at 0.98 s.
    assert 0.85 < elapsed / (duration - 0.02) < 1.4
    stamps = [t for t, _ in audio]
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert 0.016 < statistics.median(gaps) < 0.024
    assert sum(g < 0.005 for g in gaps) <= 3  # no bursts
    assert 0.85 < (stamps[-1] - stamps[0]) / (duration - 0.02) < 1.4
    await ast.close()


async def test_back_to_back_plays_keep_the_rhythm(server: AudioSocketServer) -> None:
    ast, session = await _connected(server)
    await session.play(tone(10))
    await session.play(tone(10))
    await wait_until(lambda: len(ast.audio()) == 20)
    stamps = [t for t, _ in ast.audio()]
    seam = stamps[10] - stamps[9]
    assert 0.01 < seam < 0.04
    await ast.close()


async def test_flush_stops_audio_at_once(server: AudioSocketServer) -> None:
    ast, session = await _connected(server)
    playing = asyncio.create_task(session.play(tone(150)))  # 3 s
    queued = asyncio.create_task(session.play(tone(50)))  # waits behind it; dropped too
    await asyncio.sleep(0.3)
    t_flush = time.monotonic()
    await session.flush()
    await asyncio.wait_for(asyncio.gather(playing, queued), 1)
    assert time.monotonic() - t_flush < 0.1
    await asyncio.sleep(0.1)
    sent = ast.audio()
    assert 5 <= len(sent) <= 25
    assert all(t <= t_flush + 0.03 for t, _ in sent)
    # Playing again after a flush works.
    await session.play(tone(2))
    await wait_until(lambda: len(ast.audio()) == len(sent) + 2)
    await ast.close()


async def test_close_sends_hangup(server: AudioSocketServer) -> None:
    ast, session = await _connected(server)
    await session.close()
    await session.close()  # idempotent
    await asyncio.wait_for(ast.eof.wait(), 2)
    assert ast.kinds() == [Kind.HANGUP]
    assert session.closed
    assert await collect(session) == []
    await session.play(tone(1))  # on a closed session: returns quietly
    await wait_until(lambda: server.active_sessions == 0)


async def test_play_after_caller_hung_up_returns_quietly(server: AudioSocketServer) -> None:
    ast, session = await _connected(server)
    playing = asyncio.create_task(session.play(tone(100)))
    await asyncio.sleep(0.1)
    await ast.send(encode_hangup())
    await asyncio.wait_for(playing, 1)
    assert session.closed


async def test_play_rejects_odd_pcm(server: AudioSocketServer) -> None:
    ast, session = await _connected(server)
    with pytest.raises(ValueError):
        await session.play(b"\x00\x01\x02")
    await ast.close()


async def test_many_calls_at_once(server: AudioSocketServer) -> None:
    calls = [uuid.uuid4() for _ in range(8)]
    accepting = [asyncio.create_task(server.accept(c, timeout=3)) for c in calls]
    peers = [await fake(server.port).connect(c) for c in reversed(calls)]
    sessions = await asyncio.gather(*accepting)
    assert [s.call_id for s in sessions] == calls
    await asyncio.gather(*(s.play(tone(10)) for s in sessions))
    for peer in peers:
        await wait_until(lambda p=peer: len(p.audio()) == 10)  # type: ignore[misc]
    assert server.active_sessions == 8
    await server.close()
    for peer in peers:
        await asyncio.wait_for(peer.eof.wait(), 2)
