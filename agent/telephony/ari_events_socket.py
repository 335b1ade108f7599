"""ARI's events websocket: keep exactly one open and our Stasis app registered.

``ws://HOST:PORT/ari/events?app=APP&subscribeAll=false&api_key=USER:PASSWORD``
with the credentials percent-encoded (a password with ``&`` or ``=`` must work);
the URL is never logged with the secret in it.

After every (re)connect the app's registration is checked with
``GET /applications/{app}`` right away and again a little later: reconnecting
quickly can leave the app unregistered (Asterisk unregisters it when it cleans
up the old socket, even after the new one registered). While connected, a
periodic check does the same. An unregistered app means: close and reconnect.
If another client takes the app over (ApplicationReplaced), we stay passive until
the app is unregistered again, then reconnect.
Reconnects back off exponentially with jitter, up to ``max_backoff_s``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import ssl
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from agent.telephony.ari_rest import AriUnavailable
from agent.telephony.ari_tls import FIX, is_certificate_error

log = logging.getLogger(__name__)


def events_url(base_url: str, app: str, user: str, password: str) -> str:
    """The events websocket URL for an ARI base URL like ``http://127.0.0.1:8088/ari``."""
    parts = urlsplit(base_url.rstrip("/"))
    scheme = "wss" if parts.scheme == "https" else "ws"
    query = urlencode(
        {"app": app, "subscribeAll": "false", "api_key": f"{user}:{password}"},
        quote_via=quote,
        safe="",
    )
    return f"{scheme}://{parts.netloc}{parts.path}/events?{query}"


class _RedactingLogger(logging.LoggerAdapter[logging.Logger]):
    """Given to the websocket library, whose DEBUG lines show the request (and the secret)."""

    def __init__(self, logger: logging.Logger, secrets: Sequence[str]) -> None:
        super().__init__(logger, {})
        self._secrets = [s for s in secrets if s]

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        if not self.isEnabledFor(level):
            return
        text = str(msg) % args if args else str(msg)
        for secret in self._secrets:
            text = text.replace(secret, "***")
        kwargs.setdefault("stacklevel", 2)
        self.logger.log(level, "%s", text, **kwargs)


class Backoff:
    """Exponential backoff with "equal jitter": a delay in [d/2, d], d doubling up to a cap."""

    def __init__(self, initial_s: float, max_s: float) -> None:
        self.initial_s = initial_s
        self.max_s = max(max_s, initial_s)
        self.attempt = 0

    def next_delay(self) -> float:
        delay = min(self.max_s, self.initial_s * 2**self.attempt)
        self.attempt += 1
        return random.uniform(delay / 2, delay)

    def reset(self) -> None:
        self.attempt = 0


class EventSocket:
    """Runs the events websocket until cancelled; passes every message to ``on_message``."""

    def __init__(
        self,
        *,
        base_url: str,
        app: str,
        user: str,
        password: str,
        on_message: Callable[[str | bytes], None],
        app_registered: Callable[[], Awaitable[bool]],
        on_up: Callable[[bool], None],
        on_down: Callable[[], None],
        initial_backoff_s: float = 0.5,
        max_backoff_s: float = 30.0,
        open_timeout_s: float = 10.0,
        recheck_delays_s: Sequence[float] = (1.0, 3.0),
        health_interval_s: float = 15.0,
        stable_after_s: float = 10.0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        """``tls``: for a wss URL, the context that checks the PBX's certificate."""
        self._url = events_url(base_url, app, user, password)
        self._tls = tls
        self.display_url = events_url(base_url, app, user, "***").replace("%2A%2A%2A", "***")
        encoded = quote(password, safe="")
        self._secrets = [f"{quote(user, safe='')}%3A{encoded}", encoded, password]
        self._ws_logger = _RedactingLogger(logging.getLogger(f"{__name__}.protocol"), self._secrets)
        self._on_message = on_message
        self._app_registered = app_registered
        self._on_up = on_up
        self._on_down = on_down
        self.backoff = Backoff(initial_backoff_s, max_backoff_s)
        self._open_timeout_s = open_timeout_s
        self._recheck_delays_s = tuple(recheck_delays_s)
        self._health_interval_s = health_interval_s
        self._stable_after_s = stable_after_s
        self._ws: ClientConnection | None = None
        self._changed = asyncio.Event()
        self.connected = False
        self.auth_failed = False
        self.last_error = "not connected yet"
        self.connects = 0  # successful, registered connections so far

    # --------------------------------------------------------------- public

    async def wait_up(self, timeout: float) -> None:  # noqa: ASYNC109 (a deadline is the API)
        """Return once connected and registered; raise :class:`AriUnavailable` on a
        refused login (at once) or when ``timeout`` passes (with the last error)."""
        deadline = time.monotonic() + timeout
        while not self.connected:
            if self.auth_failed:
                raise AriUnavailable(f"ARI events socket {self.display_url}: {self.last_error}")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AriUnavailable(
                    f"ARI events socket {self.display_url} not ready within {timeout:g} s: "
                    f"{self.last_error}"
                )
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    def abort(self) -> None:
        """Cut the TCP connection without a close handshake (tests, stuck sockets)."""
        if self._ws is not None:
            self._ws.transport.abort()

    def replaced(self) -> None:
        """Another client registered our app (ApplicationReplaced): this socket gets no
        more events. Stay passive, since taking the app back would make two agents steal
        each other's calls; the periodic check reconnects once the app is free again."""
        if self.connected:
            self.connected = False
            self._set_error("another client registered the app (ApplicationReplaced)")
            self._on_down()

    async def drop(self) -> None:
        """Close the socket cleanly; the run loop reconnects after its backoff."""
        if self._ws is not None:
            await self._ws.close()

    async def run(self) -> None:
        while True:
            try:
                up_since = await self._connect_once()
            except Exception:  # a bug must not end the socket's life: log, back off, retry
                log.exception("ARI events socket: unexpected error")
                up_since = None
            if up_since is not None and time.monotonic() - up_since >= self._stable_after_s:
                self.backoff.reset()
            delay = self.backoff.next_delay()
            log.info(
                "ARI events socket: reconnecting",
                extra={"delay_s": round(delay, 2), "attempt": self.backoff.attempt},
            )
            await asyncio.sleep(delay)

    # ------------------------------------------------------------- private

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            if secret:
                text = text.replace(secret, "***")
        return text

    def _set_error(self, message: str, *, auth: bool = False) -> None:
        self.last_error = message
        self.auth_failed = auth
        self._changed.set()

    async def _open(self) -> ClientConnection | None:
        # only for wss: websockets refuses an ssl argument for a ws:// URL
        tls: dict[str, Any] = {"ssl": self._tls} if self._tls is not None else {}
        try:
            return await connect(
                self._url,
                open_timeout=self._open_timeout_s,
                close_timeout=2.0,
                proxy=None,
                compression=None,
                max_size=16 * 2**20,
                logger=self._ws_logger,
                **tls,
            )
        except InvalidStatus as exc:
            status = exc.response.status_code
            if status in (401, 403):
                self._set_error(
                    f"authentication failed (HTTP {status}): check the ARI user and password",
                    auth=True,
                )
                log.error("ARI refused our credentials", extra={"status": status})
            else:
                self._set_error(f"websocket upgrade refused with HTTP {status}")
                log.warning("ARI events socket refused", extra={"status": status})
        except (OSError, TimeoutError, InvalidHandshake) as exc:
            netloc = urlsplit(self.display_url).netloc
            detail = self._redact(str(exc)) or type(exc).__name__
            if is_certificate_error(exc):
                self._set_error(f"{FIX} ({netloc}: {detail})")
            else:
                self._set_error(f"nothing answers at {netloc} ({detail})")
            log.warning(
                "ARI events socket: cannot connect",
                extra={"error": type(exc).__name__, "detail": detail},
            )
        return None

    async def _registered(self) -> bool:
        try:
            return await self._app_registered()
        except Exception as exc:
            log.warning(
                "ARI app registration check failed",
                extra={"error": type(exc).__name__, "detail": self._redact(str(exc))},
            )
            return False

    async def _connect_once(self) -> float | None:
        """One connection's life; returns when it went up, or None if it never did."""
        ws = await self._open()
        if ws is None:
            return None
        self._ws = ws
        try:
            if not await self._registered():
                self._set_error("connected, but the app is not registered (GET /applications)")
                log.warning("ARI app not registered after connecting; reconnecting")
                return None
            first = self.connects == 0
            self.connects += 1
            self.connected = True
            self._changed.set()
            up_since = time.monotonic()
            log.info("ARI events socket connected", extra={"url": self.display_url, "first": first})
            self._on_up(first)
            await self._serve(ws)
            return up_since
        finally:
            self._ws = None
            was_up, self.connected = self.connected, False
            await ws.close()
            if was_up:
                self._set_error("events socket closed")
                self._on_down()

    async def _serve(self, ws: ClientConnection) -> None:
        monitor = asyncio.create_task(self._monitor(ws), name="ari-app-monitor")
        try:
            async for message in ws:
                try:
                    self._on_message(message)
                except Exception:
                    log.exception("ARI event dispatch failed")
        except ConnectionClosed as exc:
            log.warning(
                "ARI events socket dropped",
                extra={"code": exc.rcvd.code if exc.rcvd else None, "error": type(exc).__name__},
            )
        else:
            log.warning("ARI events socket closed")
        finally:
            monitor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await monitor

    async def _monitor(self, ws: ClientConnection) -> None:
        delays = [*self._recheck_delays_s]
        while True:
            await asyncio.sleep(delays.pop(0) if delays else self._health_interval_s)
            try:
                registered = await self._app_registered()
            except Exception as exc:  # REST hiccup: keep a socket that still delivers events
                log.warning("ARI app re-check failed", extra={"error": type(exc).__name__})
                continue
            if not registered:
                log.warning("ARI app no longer registered; reconnecting the events socket")
                await ws.close()
                return
