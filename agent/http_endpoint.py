"""The agent's own small HTTP endpoint: ``/metrics`` for Prometheus, ``/healthz`` for a
load balancer or a monitoring check.

Served inside ``rufbereit run`` (Starlette on uvicorn, in the agent's event loop) on
``http.bind`` (127.0.0.1:9110 by default; ``off`` for none). ``/healthz`` runs the same
checks as ``rufbereit doctor`` (ARI, the Stasis app, the dialplan, the media transport,
the database, the voice), at most every :data:`HEALTH_TTL_S`, and answers 200 when all
pass, else 503, with the checks as JSON. The socket is bound here, not by uvicorn, so a
port in use costs the endpoint (logged), never the calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from agent.doctor import Check

log = logging.getLogger(__name__)

HEALTH_TTL_S = 15.0

Checks = Callable[[], Awaitable[list[Check]]]


def make_app(registry: CollectorRegistry, checks: Checks) -> Starlette:
    cached: dict[str, tuple[float, list[Check]]] = {}
    lock = asyncio.Lock()

    async def metrics(request: Request) -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    async def healthz(request: Request) -> Response:
        async with lock:
            at, found = cached.get("last", (0.0, []))
            if time.monotonic() - at > HEALTH_TTL_S:
                found = await checks()
                cached["last"] = (time.monotonic(), found)
        ok = all(c.ok for c in found)
        body = {"ok": ok, "checks": [c.as_dict() for c in found]}
        return JSONResponse(body, status_code=200 if ok else 503)

    return Starlette(routes=[Route("/metrics", metrics), Route("/healthz", healthz)])


class _Server(uvicorn.Server):
    """uvicorn without its own SIGINT/SIGTERM handlers: the agent owns those (a stop
    hands callers to people first, agent/app.py serve())."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.asynccontextmanager
async def serving(
    bind: str | None, app: Starlette | None, what: str = "metrics and health endpoint"
) -> AsyncIterator[str | None]:
    """Serve ``app`` (``what``, for the log) on ``bind`` while inside; yields the address,
    or None if there is none (no bind or no app, or the port is taken: logged)."""
    if bind is None or app is None:
        yield None
        return
    host, _, port = bind.rpartition(":")
    try:
        sock = socket.create_server((host, int(port)), reuse_port=False)
    except OSError as exc:
        log.warning(f"{what} not served", extra={"bind": bind,
                    "error": exc.strerror or str(exc)})  # fmt: skip
        yield None
        return
    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off")
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]), name=f"http: {what}")
    address = "{}:{}".format(*sock.getsockname()[:2])
    log.info(what, extra={"address": address})
    try:
        yield address
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(task, 5)
        sock.close()
