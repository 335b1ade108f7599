"""AriClient against a real local HTTP + websockets server standing in for Asterisk's ARI.

``FakeAri`` listens on one port like Asterisk does: websocket upgrades go to a real
``websockets`` server, other requests are answered by a small HTTP/1.1 responder.
It checks credentials like Asterisk (basic auth on REST, ``api_key`` on the socket),
reports the app registered while a socket is open, and lets tests push events, drop
sockets and make the app "unregistered".
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response

from agent.telephony.ari_client import (
    AriClient,
    AriHttpError,
    AriUnavailable,
    ignore_status,
)
from agent.telephony.ari_events import (
    AriEvent,
    ChannelDtmfReceived,
    StasisEnd,
    StasisStart,
    UnknownEvent,
)
from agent.telephony.ari_events_socket import Backoff, events_url

USER = "rufbereit"
PASSWORD = "lab&pass=1"
TRICKY = "p&a=ss: +%/?#ü"

RestHandler = Callable[["RestRequest"], Awaitable[tuple[int, Any]]]


@dataclass
class RestRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


def channel(channel_id: str, **kw: Any) -> dict[str, Any]:
    return {
        "id": channel_id,
        "name": f"Local/s@rufbereit-{channel_id};1",
        "state": "Down",
        "caller": {"name": "", "number": "+4930999"},
        "connected": {"name": "", "number": ""},
        "accountcode": "",
        "dialplan": {"context": "default", "exten": "s", "priority": 1},
        "creationtime": "2025-06-10T14:03:21.512+0200",
        "language": "en",
        **kw,
    }


def event(kind: str, **fields: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "timestamp": "2025-06-10T14:03:21.733+0200",
        "application": "rufbereit",
        "asterisk_id": "00:00:00:00:00:01",
        **fields,
    }


@dataclass
class FakeAri:
    user: str = USER
    password: str = PASSWORD
    app: str = "rufbereit"
    routes: dict[tuple[str, str], RestHandler] = field(default_factory=dict)
    requests: list[RestRequest] = field(default_factory=list)
    ws_queries: list[str] = field(default_factory=list)  # raw query strings of upgrades
    ws_attempts: list[float] = field(default_factory=list)  # monotonic time of each attempt
    sockets: list[ServerConnection] = field(default_factory=list)
    unregistered: bool = False  # GET /applications answers 404 even with a socket open
    unregistered_checks: int = 0  # answer 404 to this many registration checks first
    reject_ws_status: int | None = None
    port: int = 0
    _front: asyncio.Server | None = None
    _ws_server: Server | None = None

    # ------------------------------------------------------------------ server

    async def start(self) -> None:
        self._ws_server = await serve(
            self._ws_handler, "127.0.0.1", 0, process_request=self._ws_check
        )
        self._front = await asyncio.start_server(self._serve_front, "127.0.0.1", 0)
        self.port = self._front.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        for ws in list(self.sockets):
            ws.transport.abort()
        if self._front is not None:
            self._front.close()
        if self._ws_server is not None:
            self._ws_server.close()
            await self._ws_server.wait_closed()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/ari"

    async def _serve_front(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            return
        if b"upgrade: websocket" in head.lower():
            await self._pipe_to_ws(head, reader, writer)
        else:
            await self._answer_rest(head, reader, writer)

    async def _pipe_to_ws(
        self, head: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        assert self._ws_server is not None
        ws_port = self._ws_server.sockets[0].getsockname()[1]
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", ws_port)
        up_writer.write(head)

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))

    async def _answer_rest(
        self, head: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = {
            k.strip().lower(): v.strip() for k, v in (h.split(":", 1) for h in lines[1:] if h)
        }
        length = int(headers.get("content-length", "0"))
        raw_body = await reader.readexactly(length) if length else b""
        parts = urlsplit(target)
        request = RestRequest(
            method=method,
            path=unquote(parts.path),
            query=parse_qs(parts.query, keep_blank_values=True),
            headers=headers,
            body=json.loads(raw_body) if raw_body else None,
        )
        self.requests.append(request)
        status, body = await self._route(request)
        payload = b"" if body is None else json.dumps(body).encode()
        reason = HTTPStatus(status).phrase
        writer.write(
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode()
            + payload
        )
        await writer.drain()
        writer.close()

    async def _route(self, request: RestRequest) -> tuple[int, Any]:
        expected = "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        if request.headers.get("authorization") != expected:
            return 401, {"message": "Authentication required"}
        if request.method == "GET" and request.path == f"/ari/applications/{self.app}":
            if self.unregistered_checks > 0:
                self.unregistered_checks -= 1
                return 404, {"message": "Application not found"}
            if self.unregistered or not self.sockets:
                return 404, {"message": "Application not found"}
            return 200, {"name": self.app, "channel_ids": [], "bridge_ids": [], "endpoint_ids": []}
        handler = self.routes.get((request.method, request.path))
        if handler is None:
            return 404, {"message": "Resource not found"}
        return await handler(request)

    async def _ws_check(self, connection: ServerConnection, request: Request) -> Response | None:
        self.ws_attempts.append(time.monotonic())
        query = urlsplit(request.path).query
        self.ws_queries.append(query)
        if self.reject_ws_status is not None:
            return connection.respond(self.reject_ws_status, "rejected\n")
        params = parse_qs(query)
        if params.get("api_key") != [f"{self.user}:{self.password}"] or params.get("app") != [
            self.app
        ]:
            return connection.respond(HTTPStatus.UNAUTHORIZED, "Authentication required\n")
        return None

    async def _ws_handler(self, ws: ServerConnection) -> None:
        self.sockets.append(ws)
        try:
            await ws.wait_closed()
        finally:
            self.sockets.remove(ws)

    # ------------------------------------------------------------------ test controls

    async def send(self, message: dict[str, Any] | str) -> None:
        text = message if isinstance(message, str) else json.dumps(message)
        for ws in list(self.sockets):
            await ws.send(text)

    async def wait_sockets(self, count: int, within: float = 5.0) -> None:
        async with asyncio.timeout(within):
            while len(self.sockets) != count:  # noqa: ASYNC110 (polling a test condition)
                await asyncio.sleep(0.01)

    def last(self, method: str, path: str) -> RestRequest:
        """The latest request to that route (registration checks run concurrently)."""
        return next(r for r in reversed(self.requests) if (r.method, r.path) == (method, path))

    def abort_all(self) -> None:
        for ws in list(self.sockets):
            ws.transport.abort()


@pytest.fixture
async def fake() -> AsyncIterator[FakeAri]:
    server = FakeAri()
    await server.start()
    yield server
    await server.stop()


def make_client(fake: FakeAri, password: str = PASSWORD, **kw: Any) -> AriClient:
    options: dict[str, Any] = {
        "connect_timeout": 2.0,
        "max_backoff_s": 0.4,
        "initial_backoff_s": 0.05,
        "recheck_delays_s": (0.1,),
        "health_interval_s": 0.2,
    }
    options.update(kw)
    return AriClient(fake.base_url, USER, password, "rufbereit", **options)


@pytest.fixture
async def client(fake: FakeAri) -> AsyncIterator[AriClient]:
    ari = make_client(fake)
    await ari.start()
    yield ari
    await ari.close()


async def eventually(check: Callable[[], bool], within: float = 5.0) -> None:
    async with asyncio.timeout(within):
        while not check():  # noqa: ASYNC110 (polling a test condition)
            await asyncio.sleep(0.01)


# ---------------------------------------------------------------------- credentials


@pytest.mark.parametrize("password", [PASSWORD, TRICKY])
async def test_password_with_ampersand_and_equals_reaches_server_encoded(
    fake: FakeAri, password: str
) -> None:
    fake.password = password
    ari = make_client(fake, password)
    try:
        await ari.start()
        assert ari.connected
        # The socket: api_key percent-encoded, so the server decodes exactly user:password.
        query = fake.ws_queries[-1]
        assert parse_qs(query)["api_key"] == [f"{USER}:{password}"]
        assert f"api_key={quote(USER, safe='')}%3A{quote(password, safe='')}" in query
        assert "subscribeAll=false" in query and "app=rufbereit" in query
        assert password not in query
        # REST: basic auth header, nothing secret in the URL.
        await ari.application()
        rest = fake.last("GET", "/ari/applications/rufbereit")
        assert rest.headers["authorization"].startswith("Basic ")
        assert "api_key" not in rest.query
    finally:
        await ari.close()


def test_events_url_encodes_and_keeps_base_path() -> None:
    url = events_url("https://pbx.example:8089/ari/", "rufbereit", "u", "a&b=c")
    assert url == (
        "wss://pbx.example:8089/ari/events?app=rufbereit&subscribeAll=false&api_key=u%3Aa%26b%3Dc"
    )


async def test_wrong_password_gives_clear_unavailable_at_once(fake: FakeAri) -> None:
    ari = make_client(fake, "wrong", connect_timeout=5.0)
    started = time.monotonic()
    with pytest.raises(AriUnavailable) as info:
        await ari.start()
    elapsed = time.monotonic() - started
    await ari.close()
    message = str(info.value)
    assert "authentication failed (HTTP 401)" in message
    assert f"ws://127.0.0.1:{fake.port}/ari/events?app=rufbereit" in message
    assert "wrong" not in message
    assert elapsed < 1.0, "a refused login must not wait for connect_timeout"
    assert not ari.connected


async def test_nothing_listening_gives_clear_unavailable_after_timeout() -> None:
    probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()
    ari = AriClient(
        f"http://127.0.0.1:{port}/ari", USER, PASSWORD, connect_timeout=0.5, initial_backoff_s=0.05
    )
    started = time.monotonic()
    with pytest.raises(AriUnavailable) as info:
        await ari.start()
    elapsed = time.monotonic() - started
    await ari.close()
    assert f"nothing answers at 127.0.0.1:{port}" in str(info.value)
    assert "not ready within 0.5 s" in str(info.value)
    assert 0.45 <= elapsed < 2.0


async def test_secret_never_logged(fake: FakeAri, caplog: pytest.LogCaptureFixture) -> None:
    fake.password = TRICKY
    caplog.set_level(logging.DEBUG)
    ari = make_client(fake, TRICKY)
    await ari.start()
    fake.abort_all()
    await eventually(lambda: ari.events_socket.connects >= 2)
    await ari.close()
    wrong = make_client(fake, "x&y=secret-zz")
    with pytest.raises(AriUnavailable):
        await wrong.start()
    await wrong.close()
    ours = [r for r in caplog.records if not r.name.startswith("websockets.server")]  # the fake's
    text = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in ours)
    assert "> GET /ari/events?app=rufbereit&subscribeAll=false&api_key=*** HTTP/1.1" in text
    for secret in (TRICKY, quote(TRICKY, safe=""), "secret-zz", quote("x&y=secret-zz", safe="")):
        assert secret not in text


# ---------------------------------------------------------------------- reconnect


async def test_reconnects_with_growing_capped_backoff_after_server_drops(
    fake: FakeAri, client: AriClient
) -> None:
    resyncs: list[int] = []

    async def resync() -> None:
        resyncs.append(client.events_socket.connects)

    client.on_reconnect(resync)
    fake.reject_ws_status = 503  # refuse the next attempts so the backoff grows
    fake.abort_all()
    await eventually(lambda: len(fake.ws_attempts) >= 7, within=10)
    assert not client.connected
    gaps = [b - a for a, b in zip(fake.ws_attempts[1:], fake.ws_attempts[2:], strict=False)]
    # initial 0.05 s doubling, jitter in [d/2, d], capped at 0.4 s
    assert gaps[0] < 0.2
    assert max(gaps) <= 0.4 + 0.15
    assert gaps[-1] >= 0.2 - 0.02  # reached the cap region
    fake.reject_ws_status = None
    await client.wait_connected(5.0)
    assert client.connected
    await eventually(lambda: resyncs == [2])
    # dropped cleanly by the server (close frame) instead of aborted: same
    for ws in list(fake.sockets):
        await ws.close(1011, "going away")
    await eventually(lambda: client.events_socket.connects == 3)
    await eventually(lambda: resyncs == [2, 3])


async def test_events_flow_again_after_reconnect(fake: FakeAri, client: AriClient) -> None:
    seen: list[str] = []
    client.on(StasisStart, lambda e: seen.append(e.channel.id))
    fake.abort_all()
    await eventually(lambda: client.events_socket.connects == 2 and client.connected)
    await fake.send(event("StasisStart", args=[], channel=channel("after")))
    await eventually(lambda: seen == ["after"])


async def test_app_not_registered_after_connect_reconnects(fake: FakeAri) -> None:
    fake.unregistered_checks = 2  # the first two checks say 404
    ari = make_client(fake)
    try:
        await ari.start()
        assert ari.connected
        assert len(fake.ws_attempts) == 3
    finally:
        await ari.close()


async def test_app_unregistered_later_is_noticed_and_fixed(
    fake: FakeAri, client: AriClient
) -> None:
    assert client.events_socket.connects == 1
    fake.unregistered = True
    await eventually(lambda: len(fake.ws_attempts) >= 2)
    fake.unregistered = False
    await eventually(lambda: client.connected and client.events_socket.connects >= 2)


async def test_application_replaced_waits_passively_until_app_is_free(
    fake: FakeAri, client: AriClient
) -> None:
    await fake.send(event("ApplicationReplaced"))
    await eventually(lambda: not client.connected)
    assert "ApplicationReplaced" in client.events_socket.last_error
    await asyncio.sleep(0.5)  # the other client still holds the app: no fight over it
    assert len(fake.ws_attempts) == 1
    fake.unregistered = True  # the other client left
    await eventually(lambda: len(fake.ws_attempts) >= 2)
    fake.unregistered = False
    await eventually(lambda: client.connected and client.events_socket.connects >= 2)


def test_backoff_doubles_with_jitter_and_caps() -> None:
    backoff = Backoff(0.5, 4.0)
    delays = [backoff.next_delay() for _ in range(8)]
    for delay, cap in zip(delays, [0.5, 1, 2, 4, 4, 4, 4, 4], strict=True):
        assert cap / 2 <= delay <= cap
    backoff.reset()
    assert backoff.next_delay() <= 0.5


# ---------------------------------------------------------------------- handlers


async def test_slow_handler_does_not_block_next_event(fake: FakeAri, client: AriClient) -> None:
    release = asyncio.Event()
    got: list[tuple[str, float]] = []

    async def slow(e: ChannelDtmfReceived) -> None:
        if e.digit == "1":
            await release.wait()
        got.append((e.digit, time.monotonic()))

    client.on(ChannelDtmfReceived, slow)
    sent = time.monotonic()
    await fake.send(event("ChannelDtmfReceived", digit="1", duration_ms=100, channel=channel("c")))
    await fake.send(event("ChannelDtmfReceived", digit="2", duration_ms=100, channel=channel("c")))
    await eventually(lambda: len(got) == 1, within=1.0)
    assert got[0][0] == "2" and got[0][1] - sent < 0.5
    release.set()
    await eventually(lambda: len(got) == 2)


async def test_handler_exception_is_logged_and_others_still_run(
    fake: FakeAri, client: AriClient, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[str] = []

    async def broken(e: StasisEnd) -> None:
        raise RuntimeError("handler bug")

    async def fine(e: AriEvent) -> None:
        seen.append(e.type)

    client.on(StasisEnd, broken)
    client.on("*", fine)
    await fake.send(event("StasisEnd", channel=channel("x")))
    await fake.send(event("StasisEnd", channel=channel("y")))
    await eventually(lambda: seen == ["StasisEnd", "StasisEnd"])
    await eventually(
        lambda: sum(r.getMessage() == "ARI handler failed" for r in caplog.records) == 2
    )
    record = next(r for r in caplog.records if r.getMessage() == "ARI handler failed")
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None and "handler bug" in str(record.exc_info[1])
    assert record.__dict__["event_type"] == "StasisEnd"
    assert record.__dict__["channel_id"] == "x"
    assert "broken" in record.__dict__["handler"]
    assert client.connected


async def test_handlers_by_name_unknown_events_and_unsubscribe(
    fake: FakeAri, client: AriClient
) -> None:
    unknown: list[UnknownEvent] = []
    by_name: list[str] = []
    client.on(UnknownEvent, unknown.append)
    stop = client.on("ChannelTalkingStarted", lambda e: by_name.append(e.type))
    await fake.send(event("ChannelTalkingStarted", channel=channel("t")))
    await eventually(lambda: len(unknown) == 1 and by_name == ["ChannelTalkingStarted"])
    stop()
    await fake.send(event("ChannelTalkingStarted", channel=channel("t")))
    await eventually(lambda: len(unknown) == 2)
    assert by_name == ["ChannelTalkingStarted"]


async def test_malformed_message_is_logged_and_reader_survives(
    fake: FakeAri, client: AriClient, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[str] = []
    client.on(StasisEnd, lambda e: seen.append(e.channel.id))
    await fake.send("{not json")
    await fake.send(event("StasisEnd"))  # no channel
    await fake.send(event("StasisEnd", channel=channel("ok")))
    await eventually(lambda: seen == ["ok"])
    problems = [r for r in caplog.records if r.getMessage() == "ARI sent a message we cannot read"]
    assert len(problems) == 2
    assert "StasisEnd: field 'channel' is missing" in problems[1].__dict__["error"]
    assert client.events_socket.connects == 1


async def test_close_cancels_running_handlers(fake: FakeAri) -> None:
    ari = make_client(fake)
    await ari.start()
    cancelled = asyncio.Event()

    async def forever(e: StasisEnd) -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    ari.on(StasisEnd, forever)
    await fake.send(event("StasisEnd", channel=channel("x")))
    await eventually(lambda: len(ari._tasks) == 1)
    await ari.close()
    assert cancelled.is_set()
    await fake.wait_sockets(0)


# ---------------------------------------------------------------------- expect


async def test_expect_catches_stasis_start_sent_before_rest_response(
    fake: FakeAri, client: AriClient
) -> None:
    async def create(request: RestRequest) -> tuple[int, Any]:
        channel_id = request.query["channelId"][0]
        # Like Asterisk under load: the event is out before the REST answer.
        await fake.send(event("StasisStart", args=["media"], channel=channel(channel_id)))
        await asyncio.sleep(0.1)
        return 200, channel(channel_id)

    fake.routes[("POST", "/ari/channels/create")] = create
    other = client.expect(StasisStart, channel_id="someone-else")
    waiter = client.expect(StasisStart, channel_id="media-1")
    created = await client.create_channel("Local/s@x", channel_id="media-1", app_args="media")
    assert created.id == "media-1"
    assert waiter.done
    started = await waiter.wait(0.01)
    assert started.channel.id == "media-1" and started.args == ("media",)
    assert not other.done
    other.cancel()
    assert not client._waiters


async def test_expect_times_out_with_clear_message(client: AriClient) -> None:
    waiter = client.expect(StasisStart, channel_id="never")
    with pytest.raises(
        TimeoutError, match=re.escape("no StasisStart for channel never within 0.05 s")
    ):
        await waiter.wait(0.05)
    assert not client._waiters


async def test_expect_with_predicate(fake: FakeAri, client: AriClient) -> None:
    waiter = client.expect(ChannelDtmfReceived, where=lambda e: e.digit == "#")
    await fake.send(event("ChannelDtmfReceived", digit="1", channel=channel("c")))
    await fake.send(event("ChannelDtmfReceived", digit="#", channel=channel("c")))
    got = await waiter.wait(2)
    assert got.digit == "#"


# ---------------------------------------------------------------------- REST


async def test_http_errors_are_typed_and_404_easy_to_ignore(client: AriClient) -> None:
    with pytest.raises(AriHttpError) as info:
        await client.hangup("gone-1")
    exc = info.value
    assert (exc.status, exc.method, exc.path) == (404, "DELETE", "/channels/gone-1")
    assert exc.not_found
    assert exc.message == "Resource not found"
    assert "HTTP 404" in str(exc)
    with ignore_status(404):
        await client.hangup("gone-1")
    with pytest.raises(AriHttpError), ignore_status(409):
        await client.destroy_bridge("gone")


async def test_rest_helpers_send_what_ari_expects(fake: FakeAri, client: AriClient) -> None:
    async def ok(request: RestRequest) -> tuple[int, Any]:
        return 204, None

    async def new_channel(request: RestRequest) -> tuple[int, Any]:
        vars_ = {"MEDIA_WEBSOCKET_CONNECTION_ID": "abc123"}
        return 200, channel(request.query.get("channelId", ["gen"])[0], channelvars=vars_)

    async def bridge(request: RestRequest) -> tuple[int, Any]:
        return 200, {
            "id": request.query["bridgeId"][0],
            "technology": "simple_bridge",
            "bridge_type": "mixing",
            "channels": [],
        }

    async def var(request: RestRequest) -> tuple[int, Any]:
        if request.query["variable"] == ["UNSET"]:
            return 404, {"message": "Provided variable was not found"}
        return 200, {"value": "v1"}

    for route in [
        ("POST", "/ari/channels/c 1/answer"),
        ("POST", "/ari/channels/c 1/continue"),
        ("POST", "/ari/channels/c 1/variable"),
        ("POST", "/ari/bridges/b1/addChannel"),
        ("DELETE", "/ari/bridges/b1"),
    ]:
        fake.routes[route] = ok
    fake.routes[("POST", "/ari/channels/externalMedia")] = new_channel
    fake.routes[("POST", "/ari/channels")] = new_channel
    fake.routes[("POST", "/ari/bridges")] = bridge
    fake.routes[("GET", "/ari/channels/c 1/variable")] = var

    await client.answer("c 1")
    await client.continue_in_dialplan("c 1", "rufbereit", "fallback", 1)
    assert fake.last("POST", "/ari/channels/c 1/continue").query == {
        "context": ["rufbereit"],
        "extension": ["fallback"],
        "priority": ["1"],
    }
    await client.set_channel_var("c 1", "RUFBEREIT_RESULT", "a&b=c")
    assert fake.last("POST", "/ari/channels/c 1/variable").query["value"] == ["a&b=c"]
    assert await client.get_channel_var("c 1", "X") == "v1"
    assert await client.get_channel_var("c 1", "UNSET") is None

    media = await client.external_media(
        external_host="INCOMING",
        format="slin16",
        transport="websocket",
        encapsulation="none",
        connection_type="server",
        direction="both",
        channel_id="m1",
        variables={"A": "1"},
    )
    assert media.channelvars["MEDIA_WEBSOCKET_CONNECTION_ID"] == "abc123"
    sent = fake.last("POST", "/ari/channels/externalMedia")
    assert sent.query["app"] == ["rufbereit"] and sent.query["channelId"] == ["m1"]
    assert sent.query["connection_type"] == ["server"] and "data" not in sent.query
    assert sent.body == {"variables": {"A": "1"}}

    out = await client.originate(
        "PJSIP/oncall1",
        app_args=["escalation", "42"],
        caller_id="rufbereit <800>",
        ring_timeout_s=25,
        channel_id="o1",
    )
    assert out.id == "o1"
    sent = fake.last("POST", "/ari/channels")
    assert sent.query["appArgs"] == ["escalation,42"] and sent.query["timeout"] == ["25"]
    assert sent.body is None

    made = await client.create_bridge("b1")
    assert (made.id, made.bridge_type) == ("b1", "mixing")
    assert fake.last("POST", "/ari/bridges").query["type"] == ["mixing"]
    await client.add_channel("b1", ["c 1", "m1"])
    assert fake.last("POST", "/ari/bridges/b1/addChannel").query["channel"] == ["c 1,m1"]
    await client.destroy_bridge("b1")


async def test_rest_without_server_raises_unavailable() -> None:
    ari = AriClient("http://127.0.0.1:9/ari", USER, PASSWORD, request_timeout=1.0)
    with pytest.raises(AriUnavailable, match=re.escape("no answer from http://127.0.0.1:9/ari")):
        await ari.list_channels()
    await ari.close()


async def test_start_twice_is_an_error(client: AriClient) -> None:
    with pytest.raises(RuntimeError):
        await client.start()


async def test_context_manager(fake: FakeAri) -> None:
    async with make_client(fake) as ari:
        assert ari.connected
        assert (await ari.application()).name == "rufbereit"
    assert not ari.connected
    await fake.wait_sockets(0)


async def test_many_concurrent_handlers(fake: FakeAri, client: AriClient) -> None:
    done: list[str] = []

    async def work(e: StasisStart) -> None:
        await asyncio.sleep(0.2)
        done.append(e.channel.id)

    client.on(StasisStart, work)
    started = time.monotonic()
    for i in range(50):
        await fake.send(event("StasisStart", args=[], channel=channel(f"c{i}")))
    await eventually(lambda: len(done) == 50)
    assert time.monotonic() - started < 1.5  # concurrently, not 50 x 0.2 s
