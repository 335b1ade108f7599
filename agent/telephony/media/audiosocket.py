"""AudioSocket: Asterisk connects to our TCP server and streams the call's audio.

Wire format (every message): 1 byte kind, 2 bytes payload length (unsigned,
big-endian), payload. Asterisk first sends the UUID it was given as ``data`` on
``POST /channels/externalMedia`` (``encapsulation=audiosocket``,
``transport=tcp``, ``format=slin16``), then audio (kind 0x12 for slin16,
little-endian PCM) and DTMF (0x03, one ASCII digit). Kind 0x00 (or EOF) means
hangup; 0xff carries an error code. Asterisk does not pace what it receives:
we send one 20 ms frame every 20 ms (unpaced writes are cut).

The call controller registers the UUID it expects with
``await server.accept(call_id, timeout=...)``; Asterisk may connect before or
after that call. A connection nobody claims within ``claim_timeout`` is hung up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import uuid
from collections.abc import AsyncIterator, Coroutine
from typing import Any

from agent.telephony.media.audiosocket_codec import (
    READ_SIZE,
    AudioData,
    AudioSocketProtocolError,
    CallUuid,
    Decoder,
    Hangup,
    Message,
    RemoteError,
    as_uuid,
    encode_audio,
    encode_hangup,
    interpret,
)
from agent.telephony.media.frames import (
    FRAME_BYTES,
    AudioFrame,
    DtmfDigit,
    EventBuffer,
    MediaError,
    MediaEvent,
    MediaTimeoutError,
)
from agent.telephony.media.pacing import FrameAssembler, Pacer, check_pcm, split_frames

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 9093

# ---------------------------------------------------------------- session


class AudioSocketSession:
    """One call's AudioSocket connection; implements ``MediaSession``."""

    def __init__(
        self,
        call_id: uuid.UUID,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        decoder: Decoder,
        *,
        max_buffered_frames: int = 250,
    ) -> None:
        self.call_id = call_id
        self._reader = reader
        self._writer = writer
        self._decoder = decoder
        self._buffer = EventBuffer(max_buffered_frames, name=f"audiosocket:{call_id}")
        self._assembler = FrameAssembler(FRAME_BYTES)
        self._pacer = Pacer()
        self._play_lock = asyncio.Lock()
        self._generation = 0
        self._closed = False
        self._remote_ended = False
        self._bad_messages = 0
        self._reframed = False
        self.frames_in = 0
        self.frames_out = 0
        self._done = asyncio.Event()

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def pacer(self) -> Pacer:
        return self._pacer

    @property
    def dropped_frames(self) -> int:
        return self._buffer.dropped

    def _extra(self, **more: object) -> dict[str, object]:
        return {"call_id": str(self.call_id), "transport": "audiosocket", **more}

    # -- incoming

    def events(self) -> AsyncIterator[MediaEvent]:
        return self._buffer.__aiter__()

    def _deliver(self, messages: list[Message]) -> bool:
        """Handle decoded messages; False once the call hung up."""
        for msg in messages:
            try:
                item = interpret(msg)
            except AudioSocketProtocolError as exc:
                self._bad_message(exc)
                continue
            if isinstance(item, AudioData):
                if len(item.pcm) != FRAME_BYTES and not self._reframed:
                    self._reframed = True
                    log.debug("re-framing audio", extra=self._extra(bytes=len(item.pcm)))
                for pcm in self._assembler.feed(item.pcm):
                    self.frames_in += 1
                    self._buffer.put(AudioFrame(pcm))
            elif isinstance(item, DtmfDigit):
                self._buffer.put(item)
            elif isinstance(item, Hangup):
                return False
            elif isinstance(item, RemoteError):
                log.warning(
                    "Asterisk reported an AudioSocket error",
                    extra=self._extra(code=item.code.hex()),
                )
            else:  # a repeated UUID: harmless
                log.debug("repeated UUID message ignored", extra=self._extra())
        return True

    def _bad_message(self, exc: AudioSocketProtocolError) -> None:
        self._bad_messages += 1
        if self._bad_messages <= 5 or self._bad_messages % 100 == 0:
            log.warning(
                "bad AudioSocket message dropped",
                extra=self._extra(error=str(exc), bad_messages=self._bad_messages),
            )

    async def run(self, first: list[Message]) -> None:
        """Read until hangup/EOF (runs in the server's connection task)."""
        try:
            if not self._deliver(first):
                return
            while not self._closed:
                data = await self._reader.read(READ_SIZE)
                if not data:
                    return
                if not self._deliver(self._decoder.feed(data)):
                    return
        except (ConnectionError, OSError) as exc:
            log.info("AudioSocket connection lost", extra=self._extra(error=type(exc).__name__))
        finally:
            if self._decoder.pending and not self._closed:
                log.debug(
                    "incomplete message at EOF", extra=self._extra(bytes=self._decoder.pending)
                )
            self._remote_ended = not self._closed
            await self._shutdown(send_hangup=False)

    # -- outgoing

    async def play(self, pcm: bytes) -> None:
        check_pcm(pcm)
        if not pcm or self._closed:
            return
        generation = self._generation
        async with self._play_lock:
            for frame in split_frames(pcm):
                await self._pacer.wait()
                if generation != self._generation or self._closed:
                    return
                if not await self._send(encode_audio(frame)):
                    return
                self.frames_out += 1

    async def flush(self) -> None:
        # Nothing is queued beyond the frame on the wire: stopping the play loop suffices.
        self._generation += 1

    async def _send(self, data: bytes) -> bool:
        if self._writer.is_closing():
            return False
        try:
            self._writer.write(data)
            await self._writer.drain()
        except (ConnectionError, OSError) as exc:
            log.info("AudioSocket write failed", extra=self._extra(error=type(exc).__name__))
            await self._shutdown(send_hangup=False)
            return False
        return True

    # -- closing

    async def close(self) -> None:
        await self._shutdown(send_hangup=True)

    async def wait_closed(self) -> None:
        await self._done.wait()

    async def _shutdown(self, *, send_hangup: bool) -> None:
        if self._closed:
            return
        self._closed = True
        self._generation += 1
        self._buffer.close()
        writer = self._writer
        if send_hangup and not writer.is_closing():
            with contextlib.suppress(ConnectionError, OSError):
                writer.write(encode_hangup())
        writer.close()
        with contextlib.suppress(ConnectionError, OSError, TimeoutError):
            await asyncio.wait_for(writer.wait_closed(), 1.0)
        log.info(
            "AudioSocket media closed",
            extra=self._extra(
                by="asterisk" if self._remote_ended else "agent",
                frames_in=self.frames_in,
                frames_out=self.frames_out,
                dropped=self._buffer.dropped,
                bad_messages=self._bad_messages,
            ),
        )
        self._done.set()


# ----------------------------------------------------------------- server


class AudioSocketServer:
    """TCP server Asterisk's AudioSocket channels connect to; one per agent."""

    def __init__(
        self,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        *,
        claim_timeout: float = 5.0,
        handshake_timeout: float = 5.0,
        max_buffered_frames: int = 250,
    ) -> None:
        self.host = host
        self._port = port
        self.claim_timeout = claim_timeout
        self.handshake_timeout = handshake_timeout
        self.max_buffered_frames = max_buffered_frames
        self._server: asyncio.Server | None = None
        self._waiters: dict[uuid.UUID, asyncio.Future[AudioSocketSession]] = {}
        self._unclaimed: dict[uuid.UUID, tuple[AudioSocketSession, asyncio.TimerHandle]] = {}
        self._sessions: dict[uuid.UUID, AudioSocketSession] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        """The bound port (useful when started with port 0)."""
        if self._server is not None and self._server.sockets:
            return int(self._server.sockets[0].getsockname()[1])
        return self._port

    @property
    def active_sessions(self) -> int:
        return len(self._sessions)

    async def start(self) -> None:
        if self._server is not None:
            return
        try:
            self._server = await asyncio.start_server(self._on_connect, self.host, self._port)
        except OSError as exc:
            raise MediaError(
                f"cannot listen for AudioSocket on {self.host}:{self._port}: {exc}"
            ) from exc
        log.info("AudioSocket server listening", extra={"host": self.host, "port": self.port})

    async def __aenter__(self) -> AudioSocketServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def accept(
        self,
        call_id: uuid.UUID | str,
        timeout: float | None = 5.0,  # noqa: ASYNC109 - the contract is accept(id, timeout=...)
    ) -> AudioSocketSession:
        """The session of the channel created with ``data=<call_id>``; waits for it
        to connect if it has not yet. MediaTimeoutError after ``timeout`` s."""
        key = as_uuid(call_id)
        if self._server is None:
            raise MediaError("AudioSocket server is not running")
        held = self._unclaimed.pop(key, None)
        if held is not None:
            session, timer = held
            timer.cancel()
            return self._claim(session)
        if key in self._waiters:
            raise MediaError(f"already waiting for AudioSocket {key}")
        future: asyncio.Future[AudioSocketSession] = asyncio.get_running_loop().create_future()
        self._waiters[key] = future
        returned = False
        try:
            session = await asyncio.wait_for(future, timeout)
            returned = True
            return session
        except TimeoutError:
            raise MediaTimeoutError(
                f"Asterisk did not connect AudioSocket {key} within {timeout} s"
            ) from None
        finally:
            if self._waiters.get(key) is future:
                del self._waiters[key]
            if (
                not returned
                and future.done()
                and not future.cancelled()
                and future.exception() is None
            ):
                # Connected just as we gave up: nobody will use it.
                self._spawn(future.result().close())

    def _claim(self, session: AudioSocketSession) -> AudioSocketSession:
        if session.closed:
            raise MediaError(f"AudioSocket {session.call_id} closed before it was accepted")
        log.info("AudioSocket media connected", extra={"call_id": str(session.call_id)})
        return session

    async def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        decoder = Decoder()
        try:
            call_id, rest = await asyncio.wait_for(
                self._handshake(reader, decoder), self.handshake_timeout
            )
        except (TimeoutError, AudioSocketProtocolError, ConnectionError, OSError) as exc:
            reason = (
                "no UUID in time"
                if isinstance(exc, TimeoutError)
                else str(exc) or type(exc).__name__
            )
            log.warning("AudioSocket connection rejected", extra={"reason": reason})
            writer.close()
            return
        session = AudioSocketSession(
            call_id, reader, writer, decoder, max_buffered_frames=self.max_buffered_frames
        )
        if call_id in self._sessions or call_id in self._unclaimed:
            log.warning(
                "second AudioSocket connection for a UUID rejected", extra={"call_id": str(call_id)}
            )
            await session.close()
            return
        self._sessions[call_id] = session
        try:
            self._offer(session)
            await session.run(rest)
        except Exception:
            log.exception("AudioSocket connection failed", extra={"call_id": str(call_id)})
            await session.close()
        finally:
            self._forget(session)

    async def _handshake(
        self, reader: asyncio.StreamReader, decoder: Decoder
    ) -> tuple[uuid.UUID, list[Message]]:
        while True:
            data = await reader.read(READ_SIZE)
            if not data:
                raise ConnectionError("closed before sending its UUID")
            messages = decoder.feed(data)
            if messages:
                first = interpret(messages[0])
                if not isinstance(first, CallUuid):
                    raise AudioSocketProtocolError(
                        f"first message is kind 0x{messages[0].kind:02x}, expected the UUID (0x01)"
                    )
                return first.value, messages[1:]

    def _offer(self, session: AudioSocketSession) -> None:
        waiter = self._waiters.pop(session.call_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(self._claim(session))
            return
        timer = asyncio.get_running_loop().call_later(self.claim_timeout, self._expire, session)
        self._unclaimed[session.call_id] = (session, timer)
        log.debug(
            "AudioSocket connected before it was expected", extra={"call_id": str(session.call_id)}
        )

    def _expire(self, session: AudioSocketSession) -> None:
        held = self._unclaimed.get(session.call_id)
        if held is None or held[0] is not session:
            return
        del self._unclaimed[session.call_id]
        log.warning(
            "AudioSocket connection for an unknown call hung up",
            extra={"call_id": str(session.call_id), "claim_timeout_s": self.claim_timeout},
        )
        self._spawn(session.close())

    def _forget(self, session: AudioSocketSession) -> None:
        if self._sessions.get(session.call_id) is session:
            del self._sessions[session.call_id]
        held = self._unclaimed.get(session.call_id)
        if held is not None and held[0] is session:
            held[1].cancel()
            del self._unclaimed[session.call_id]

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        """Stop listening, hang up every connection, fail pending accepts."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for future in self._waiters.values():
            if not future.done():
                future.set_exception(MediaError("AudioSocket server closed"))
        self._waiters.clear()
        for _, timer in self._unclaimed.values():
            timer.cancel()
        sessions = list(self._sessions.values())
        self._unclaimed.clear()
        for session in sessions:
            await session.close()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if server is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server.wait_closed(), 2.0)
        log.info("AudioSocket server stopped", extra={"port": self._port})
