"""ARI over TLS: https and wss to a PBX whose certificate comes from the company's own CA.

A small ARI stand-in (Starlette on uvicorn) serves TLS with a certificate for 127.0.0.1
from a private CA (``trustme``). With ``ari.ca_file`` naming that CA, REST and the events
websocket connect; without it, or with another CA, nothing is sent and the error says
which setting fixes it. Checking is never switched off.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trustme  # the dev extra: a private CA for the test
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from agent.telephony.ari_events_socket import EventSocket
from agent.telephony.ari_rest import AriRest, AriUnavailable
from tests.support.polling import until


async def _info(request: Request) -> JSONResponse:
    return JSONResponse({"system_info": {"version": "22.6.0"}})


async def _events(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text('{"type": "ApplicationRegistered"}')
    with contextlib.suppress(Exception):
        await websocket.receive_text()


APP = Starlette(routes=[Route("/ari/asterisk/info", _info), WebSocketRoute("/ari/events", _events)])


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self):  # type: ignore[no-untyped-def]
        yield


@pytest.fixture
async def pbx(tmp_path: Path) -> AsyncIterator[tuple[str, Path, Path]]:
    """An https ARI URL, its CA's PEM, and another CA's PEM."""
    ca, other = trustme.CA(), trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    cert.private_key_and_cert_chain_pem.write_to_path(str(tmp_path / "server.pem"))
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    other.cert_pem.write_to_path(str(tmp_path / "other.pem"))
    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(APP, log_config=None, access_log=False, lifespan="off",
                            ssl_certfile=str(tmp_path / "server.pem"))  # fmt: skip
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))

    async def started() -> bool:
        return server.started

    await until(started, 5, "the TLS stand-in started")
    yield f"https://127.0.0.1:{port}/ari", tmp_path / "ca.pem", tmp_path / "other.pem"
    server.should_exit = True
    await asyncio.wait_for(task, 5)
    sock.close()


async def test_rest_is_checked_against_the_configured_ca(pbx: tuple[str, Path, Path]) -> None:
    url, ca, other = pbx
    rest = AriRest(url, "rufbereit", "secret", ca_file=ca)
    try:
        info = await rest.request("GET", "asterisk/info")
    finally:
        await rest.aclose()
    assert info["system_info"]["version"] == "22.6.0"
    for ca_file in (None, other):  # the system's CAs, or the wrong CA
        rest = AriRest(url, "rufbereit", "secret", ca_file=ca_file)
        try:
            with pytest.raises(AriUnavailable, match=r"ari\.ca_file"):
                await rest.request("GET", "asterisk/info")
        finally:
            await rest.aclose()


async def _events_socket(url: str, ca_file: Path | None) -> EventSocket:
    async def registered() -> bool:
        return True

    rest = AriRest(url, "rufbereit", "secret", ca_file=ca_file)
    await rest.aclose()
    return EventSocket(
        base_url=url, app="rufbereit", user="rufbereit", password="secret",
        on_message=lambda m: None, app_registered=registered, on_up=lambda _: None,
        on_down=lambda: None, tls=rest.tls,
    )  # fmt: skip


async def test_the_events_websocket_is_checked_too(pbx: tuple[str, Path, Path]) -> None:
    url, ca, other = pbx
    good = await _events_socket(url, ca)
    ws = await good._open()
    assert ws is not None, good.last_error
    assert "ApplicationRegistered" in str(await ws.recv())
    await ws.close()
    bad = await _events_socket(url, other)
    assert await bad._open() is None
    assert "ari.ca_file" in bad.last_error and "secret" not in bad.last_error
