"""chan_websocket media: we connect to Asterisk's ``/media/<connection id>``.

Asterisk (20.16+/21.11+/22.6+/23+; per the lab, 22.5+) creates the channel with
``POST /channels/externalMedia?transport=websocket&encapsulation=none&
external_host=INCOMING&connection_type=server&format=slin16`` and puts the
connection id in the channel variable ``MEDIA_WEBSOCKET_CONNECTION_ID``. We
connect with subprotocol ``media``; the id is the only credential.

* BINARY messages are audio both ways (slin16 little-endian). Asterisk cuts what
  we send into ``optimal_frame_size`` frames and plays one every ``ptime`` ms;
  a message that is not a whole number of frames loses its tail, so we pad.
* TEXT messages are control: plain text (``MEDIA_START connection_id:... ...``)
  or, when ``control_message_format=json`` is configured, JSON objects
  (``{"event": "MEDIA_START", ...}``). Our commands use the same format.
* Asterisk queues up to about 1000 frames and sends ``MEDIA_XOFF`` at 900,
  ``MEDIA_XON`` below 800. We stay only ``lead`` ahead of real time anyway, so
  ``FLUSH_MEDIA`` (barge-in) cuts off at most that much, and ``play()``
  returning means the audio has (roughly) been heard.
* Hangup: Asterisk closes the websocket.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.typing import Subprotocol

from agent.telephony.media.frames import (
    BYTES_PER_SECOND,
    FRAME_BYTES,
    FRAME_MS,
    AudioFrame,
    DtmfDigit,
    EventBuffer,
    MediaError,
    MediaEvent,
    MediaTimeoutError,
)
from agent.telephony.media.pacing import FrameAssembler, check_pcm, pad_to_frames

log = logging.getLogger(__name__)

SUBPROTOCOL = Subprotocol("media")
EXPECTED_FORMAT = "slin16"
MAX_MESSAGE_BYTES = 65500  # Asterisk hangs up on larger messages


# ------------------------------------------------------------ control messages


@dataclass(frozen=True, slots=True)
class ControlMessage:
    """A TEXT message from Asterisk: ``NAME key:value ... [arg ...]`` or JSON."""

    name: str
    params: Mapping[str, str] = field(default_factory=dict)
    args: tuple[str, ...] = ()
    is_json: bool = False


def parse_control(text: str) -> ControlMessage:
    """Parse a control message; ValueError if it has no name."""
    text = text.strip()
    if text.startswith("{"):
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"control message is not valid JSON: {exc}") from None
        if not isinstance(obj, dict) or not isinstance(obj.get("event"), str) or not obj["event"]:
            raise ValueError("JSON control message without an 'event' name")
        fields = {str(k): _as_text(v) for k, v in obj.items() if k != "event"}
        return ControlMessage(obj["event"], fields, (), True)
    tokens = text.split()
    if not tokens:
        raise ValueError("empty control message")
    params: dict[str, str] = {}
    args: list[str] = []
    for token in tokens[1:]:
        key, sep, value = token.partition(":")
        if sep and key:
            params[key] = value
        else:
            args.append(token)
    return ControlMessage(tokens[0], params, tuple(args), False)


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, separators=(",", ":"))


def format_command(name: str, *, as_json: bool, correlation_id: str | None = None) -> str:
    """A command for Asterisk in the format the channel uses."""
    if as_json:
        obj = {"command": name}
        if correlation_id is not None:
            obj["correlation_id"] = correlation_id
        return json.dumps(obj, separators=(",", ":"))
    return name if correlation_id is None else f"{name} {correlation_id}"


@dataclass(frozen=True, slots=True)
class MediaStart:
    connection_id: str
    channel: str
    channel_id: str
    format: str
    optimal_frame_size: int
    ptime_ms: int

    @classmethod
    def from_message(cls, msg: ControlMessage) -> MediaStart:
        p = msg.params
        return cls(
            connection_id=p.get("connection_id", ""),
            channel=p.get("channel", ""),
            channel_id=p.get("channel_id", ""),
            format=p.get("format", ""),
            optimal_frame_size=_int(p.get("optimal_frame_size"), FRAME_BYTES),
            ptime_ms=_int(p.get("ptime"), FRAME_MS),
        )


def _int(value: str | None, default: int) -> int:
    try:
        n = int(value) if value is not None else default
    except ValueError:
        return default
    return n if n > 0 else default


# ---------------------------------------------------------------- session


class WebSocketMediaSession:
    """One call's chan_websocket connection; implements ``MediaSession``."""

    def __init__(
        self,
        ws: ClientConnection,
        connection_id: str,
        *,
        lead_ms: int = 300,
        chunk_frames: int = 5,
        max_buffered_frames: int = 250,
    ) -> None:
        if chunk_frames < 1 or lead_ms < chunk_frames * FRAME_MS:
            raise ValueError("lead_ms must cover at least one chunk of chunk_frames frames")
        self._ws = ws
        self.connection_id = connection_id
        self.lead_s = lead_ms / 1000
        self.chunk_frames = chunk_frames
        self.media_start: MediaStart | None = None
        self.json_control = False
        self._buffer = EventBuffer(max_buffered_frames, name=f"websocket:{self._short_id}")
        self._assembler = FrameAssembler(FRAME_BYTES)
        self._started: asyncio.Future[MediaStart] = asyncio.get_running_loop().create_future()
        self._xon = asyncio.Event()
        self._xon.set()
        self._wake = asyncio.Event()
        self._play_lock = asyncio.Lock()
        self._send_lock = asyncio.Lock()
        self._generation = 0
        self._queued_until = 0.0  # loop time when Asterisk runs out of our audio
        self._closed = False
        self._closed_by = ""
        self._reader: asyncio.Task[None] | None = None
        self.frames_in = 0
        self.bytes_out = 0
        self.xoff_count = 0

    @property
    def _short_id(self) -> str:
        return self.connection_id[:8]

    def _extra(self, **more: object) -> dict[str, object]:
        return {"transport": "websocket", "connection": self._short_id, **more}

    # -- connecting

    @classmethod
    async def connect(
        cls,
        url: str,
        connection_id: str | None = None,
        *,
        start_timeout: float = 5.0,
        open_timeout: float = 5.0,
        lead_ms: int = 300,
        chunk_frames: int = 5,
        max_buffered_frames: int = 250,
        tls: ssl.SSLContext | None = None,
    ) -> WebSocketMediaSession:
        """Connect to ``ws://HOST:8088/media/<connection id>`` (``wss://`` with ``tls``,
        the context that checks the PBX's certificate) and wait for MEDIA_START."""
        cid = connection_id or urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
        extra: dict[str, Any] = {"ssl": tls} if tls is not None and url.startswith("wss") else {}
        try:
            ws = await connect(
                url,
                subprotocols=[SUBPROTOCOL],
                compression=None,
                proxy=None,
                open_timeout=open_timeout,
                ping_interval=None,
                close_timeout=2,
                max_size=2**20,
                user_agent_header="rufbereit",
                **extra,
            )
        except InvalidStatus as exc:
            status = exc.response.status_code
            hint = {
                404: "no channel waits for this connection id (wrong id, or it hung up)",
                409: "another websocket is already connected for this connection id",
            }.get(status, "check the URL and that chan_websocket is loaded")
            raise MediaError(
                f"Asterisk refused the media websocket: HTTP {status}: {hint}"
            ) from exc
        except TimeoutError as exc:
            raise MediaTimeoutError(
                f"media websocket did not open within {open_timeout} s"
            ) from exc
        except (InvalidHandshake, OSError) as exc:
            raise MediaError(f"cannot open the media websocket: {exc}") from exc
        session = cls(
            ws,
            cid,
            lead_ms=lead_ms,
            chunk_frames=chunk_frames,
            max_buffered_frames=max_buffered_frames,
        )
        try:
            await session._start(start_timeout)
        except BaseException:
            await session.close()
            raise
        return session

    async def _start(self, start_timeout: float) -> None:
        self._reader = asyncio.create_task(self._read(), name=f"media-ws-{self._short_id}")
        try:
            start = await asyncio.wait_for(asyncio.shield(self._started), start_timeout)
        except TimeoutError:
            raise MediaTimeoutError(
                f"no MEDIA_START from Asterisk within {start_timeout} s"
            ) from None
        if start.format != EXPECTED_FORMAT:
            raise MediaError(
                f"media websocket carries {start.format or 'an unknown format'!r}, expected "
                f"{EXPECTED_FORMAT!r}: create the externalMedia channel with format=slin16"
            )
        if start.connection_id and start.connection_id != self.connection_id:
            log.warning("MEDIA_START for another connection id", extra=self._extra())
        if start.optimal_frame_size % FRAME_BYTES:
            log.warning(
                "unexpected optimal frame size",
                extra=self._extra(optimal_frame_size=start.optimal_frame_size),
            )
        log.info(
            "media websocket connected",
            extra=self._extra(
                channel_id=start.channel_id,
                format=start.format,
                optimal_frame_size=start.optimal_frame_size,
                ptime_ms=start.ptime_ms,
                json_control=self.json_control,
            ),
        )

    # -- incoming

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def dropped_frames(self) -> int:
        return self._buffer.dropped

    def events(self) -> AsyncIterator[MediaEvent]:
        return self._buffer.__aiter__()

    async def _read(self) -> None:
        try:
            async for message in self._ws:
                if isinstance(message, bytes):
                    self._on_audio(message)
                else:
                    self._on_control(message)
        except ConnectionClosed:
            pass
        except Exception:
            log.exception("media websocket reader failed", extra=self._extra())
        finally:
            if not self._closed:
                self._closed_by = "asterisk"
            self._mark_closed()
            if not self._started.done():
                self._started.set_exception(MediaError("media websocket closed before MEDIA_START"))
                self._started.exception()  # retrieved: connect() may not be waiting any more

    def _on_audio(self, data: bytes) -> None:
        for pcm in self._assembler.feed(data):
            self.frames_in += 1
            self._buffer.put(AudioFrame(pcm))

    def _on_control(self, text: str) -> None:
        try:
            msg = parse_control(text)
        except ValueError as exc:
            log.debug("unparsable control message ignored", extra=self._extra(error=str(exc)))
            return
        name = msg.name
        if name == "MEDIA_START":
            self.json_control = msg.is_json
            start = MediaStart.from_message(msg)
            self.media_start = start
            if not self._started.done():
                self._started.set_result(start)
        elif name == "DTMF_END":
            digit = msg.params.get("digit") or (msg.args[0] if msg.args else "")
            try:
                self._buffer.put(DtmfDigit(digit))
            except ValueError:
                log.debug("DTMF_END without a valid digit ignored", extra=self._extra())
        elif name == "MEDIA_XOFF":
            self.xoff_count += 1
            self._xon.clear()
            log.debug("MEDIA_XOFF: pausing audio to Asterisk", extra=self._extra())
        elif name == "MEDIA_XON":
            self._xon.set()
            log.debug("MEDIA_XON: resuming audio to Asterisk", extra=self._extra())
        elif name == "ERROR":
            log.warning("Asterisk reported a media error", extra=self._extra(error=msg.params))
        elif name == "HANGUP":
            self._closed_by = "asterisk"
            self._mark_closed()
        else:  # STATUS, QUEUE_DRAINED, MEDIA_BUFFERING_COMPLETED, MEDIA_MARK_PROCESSED, new ones
            log.debug("control message ignored", extra=self._extra(control=name))

    # -- outgoing

    async def play(self, pcm: bytes) -> None:
        check_pcm(pcm)
        if not pcm or self._closed:
            return
        generation = self._generation
        async with self._play_lock:
            frame_bytes = self.media_start.optimal_frame_size if self.media_start else FRAME_BYTES
            data = pad_to_frames(pcm, frame_bytes)
            chunk = min(
                frame_bytes * self.chunk_frames, MAX_MESSAGE_BYTES // frame_bytes * frame_bytes
            )
            loop = asyncio.get_running_loop()
            for start in range(0, len(data), chunk):
                piece = data[start : start + chunk]
                duration = len(piece) / BYTES_PER_SECOND
                if not await self._wait_for_room(generation, duration):
                    return
                async with self._send_lock:
                    if generation != self._generation or self._closed:
                        return
                    try:
                        await self._ws.send(piece)
                    except ConnectionClosed:
                        self._mark_closed()
                        return
                self.bytes_out += len(piece)
                self._queued_until = max(self._queued_until, loop.time()) + duration
                await asyncio.sleep(0)  # let the reader see a MEDIA_XOFF before the next send
            # Return when it has been played out (or flushed).
            await self._sleep(self._queued_until - loop.time(), generation)

    async def _wait_for_room(self, generation: int, duration: float) -> bool:
        """Wait until sending ``duration`` more seconds keeps us within the lead."""
        loop = asyncio.get_running_loop()
        while True:
            if generation != self._generation or self._closed:
                return False
            if not self._xon.is_set():
                await self._sleep(FRAME_MS / 1000, generation)
                continue
            ahead = self._queued_until - loop.time()
            room = self.lead_s - duration
            if ahead <= room:
                return True
            await self._sleep(ahead - room, generation)

    async def _sleep(self, delay: float, generation: int) -> bool:
        """Sleep, cut short by flush() or close(); False if that happened."""
        wake = self._wake
        if delay > 0 and generation == self._generation and not self._closed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), delay)
        return generation == self._generation and not self._closed

    def _interrupt(self) -> None:
        self._generation += 1
        self._wake.set()
        self._wake = asyncio.Event()

    async def flush(self) -> None:
        self._interrupt()
        self._queued_until = 0.0
        self._xon.set()  # the queue is empty now; Asterisk sends XON on its next tick
        await self._command("FLUSH_MEDIA")

    async def hangup(self) -> None:
        """Ask Asterisk to hang up the media channel, then close."""
        await self._command("HANGUP")
        await self.close()

    async def _command(self, name: str) -> None:
        if self._closed:
            return
        async with self._send_lock:
            try:
                await self._ws.send(format_command(name, as_json=self.json_control))
            except ConnectionClosed:
                self._mark_closed()

    # -- closing

    def _mark_closed(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._interrupt()
        self._buffer.close()
        log.info(
            "media websocket closed",
            extra=self._extra(
                by=self._closed_by or "agent",
                frames_in=self.frames_in,
                frames_out=self.bytes_out // FRAME_BYTES,
                dropped=self._buffer.dropped,
                xoff=self.xoff_count,
            ),
        )

    async def close(self) -> None:
        self._mark_closed()
        with contextlib.suppress(Exception):
            await self._ws.close()
        reader = self._reader
        if reader is not None and not reader.done() and reader is not asyncio.current_task():
            await asyncio.wait({reader}, timeout=2.0)
            reader.cancel()
