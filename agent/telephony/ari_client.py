"""The ARI client: REST calls plus one long-lived events websocket, for one Stasis app.

Written by hand because every Python ARI library we tried is disqualified
(see the project notes, "ARI client"):

* ``ari`` 0.1.3 is Python 2 code and does not import on 3.11;
* ``ari-client``, ``asyncari``, ``aioari``: a password with ``&`` or ``=`` gives 401
  (credentials not URL-encoded on the websocket), and none reconnects by itself;
* ``asyncari``, ``aioari`` put the password into every request URL;
* ``ari-client`` spins in a busy loop when the websocket closes and calls
  ``logging.basicConfig`` at import;
* ``asyncari``: a handler slower than about 1.5 s kills its task group, and
  ``Client.new_channel()`` raises AttributeError;
* ``aioari`` runs handlers one at a time inside the reader.

Here: REST in :mod:`ari_rest` (basic auth, typed helpers), the socket in
:mod:`ari_events_socket` (encoded credentials, backoff, app re-check), and this
module dispatches events: every handler call is its own task, so a slow or
failing handler blocks nothing (failures are logged), and :meth:`AriClient.expect`
catches an event that arrives before the REST call that caused it returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import logging
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Generic, TypeVar, overload

from agent.telephony.ari_events import (
    ApplicationReplaced,
    AriEvent,
    AriEventError,
    event_channel_id,
    parse_event,
)
from agent.telephony.ari_events_socket import EventSocket
from agent.telephony.ari_rest import (
    AriError,
    AriHttpError,
    AriRest,
    AriUnavailable,
    ignore_status,
)

__all__ = [
    "AriClient",
    "AriError",
    "AriHttpError",
    "AriUnavailable",
    "Waiter",
    "ignore_status",
]

log = logging.getLogger(__name__)

E = TypeVar("E", bound=AriEvent)
Handler = Callable[[E], Awaitable[object] | None]  # async (or plain) function
ReconnectHook = Callable[[], Awaitable[object] | None]


class Waiter(Generic[E]):
    """One expected event; create it (``AriClient.expect``) before causing the event."""

    def __init__(
        self,
        client: AriClient,
        event_cls: type[E],
        channel_id: str | None,
        where: Callable[[E], bool] | None,
    ) -> None:
        self._client = client
        self._event_cls = event_cls
        self._channel_id = channel_id
        self._where = where
        self._future: asyncio.Future[E] = asyncio.get_running_loop().create_future()

    def offer(self, event: AriEvent) -> bool:
        """Take ``event`` if it is the awaited one (called by the client's reader)."""
        if self._future.done() or not isinstance(event, self._event_cls):
            return False
        if self._channel_id is not None and event_channel_id(event) != self._channel_id:
            return False
        if self._where is not None:
            try:
                wanted = self._where(event)
            except Exception:
                log.exception("ARI waiter predicate failed", extra={"event_type": event.type})
                return False
            if not wanted:
                return False
        self._future.set_result(event)
        return True

    @property
    def done(self) -> bool:
        return self._future.done()

    async def wait(self, timeout: float) -> E:  # noqa: ASYNC109 (a deadline is the API)
        """The event; :class:`TimeoutError` if it does not come within ``timeout`` s."""
        try:
            return await asyncio.wait_for(asyncio.shield(self._future), timeout)
        except TimeoutError:
            about = f" for channel {self._channel_id}" if self._channel_id else ""
            raise TimeoutError(
                f"no {self._event_cls.__name__}{about} within {timeout:g} s"
            ) from None
        finally:
            self.cancel()

    def cancel(self) -> None:
        """Stop waiting (idempotent)."""
        self._client._waiters.discard(self)
        if not self._future.done():
            self._future.cancel()


class AriClient(AriRest):
    """REST helpers (inherited from :class:`AriRest`) plus events for one Stasis app."""

    def __init__(
        self,
        base_url: str,
        user: str,
        password: str,
        app: str = "rufbereit",
        *,
        connect_timeout: float = 10.0,
        max_backoff_s: float = 30.0,
        initial_backoff_s: float = 0.5,
        request_timeout: float = 10.0,
        recheck_delays_s: Sequence[float] = (1.0, 3.0),
        health_interval_s: float = 15.0,
        ca_file: Path | None = None,
    ) -> None:
        super().__init__(
            base_url, user, password, app, request_timeout=request_timeout, ca_file=ca_file
        )
        self._connect_timeout = connect_timeout
        self._handlers: list[tuple[type[Any] | str, Callable[[Any], object]]] = []
        self._reconnect_hooks: list[ReconnectHook] = []
        self._waiters: set[Waiter[Any]] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._runner: asyncio.Task[None] | None = None
        self.events_socket = EventSocket(
            base_url=base_url,
            app=app,
            user=user,
            password=password,
            on_message=self._dispatch,
            app_registered=self._app_registered,
            on_up=self._socket_up,
            on_down=lambda: None,
            initial_backoff_s=initial_backoff_s,
            max_backoff_s=max_backoff_s,
            open_timeout_s=connect_timeout,
            recheck_delays_s=recheck_delays_s,
            health_interval_s=health_interval_s,
            tls=self.tls,
        )

    # ------------------------------------------------------------ lifecycle

    @property
    def connected(self) -> bool:
        """The events socket is open and the app was found registered."""
        return self.events_socket.connected

    async def start(self) -> None:
        """Connect and register; :class:`AriUnavailable` after ``connect_timeout`` (or at
        once if the credentials are refused). Afterwards the socket reconnects by itself."""
        if self._runner is not None:
            raise RuntimeError("AriClient.start() was already called")
        self._runner = asyncio.create_task(self.events_socket.run(), name="ari-events-socket")
        try:
            await self.events_socket.wait_up(self._connect_timeout)
        except BaseException:
            await self._stop_runner()
            raise

    async def close(self) -> None:
        """Close the socket, cancel running handlers and waiters, close the HTTP client."""
        await self._stop_runner()
        for waiter in list(self._waiters):
            waiter.cancel()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.aclose()

    async def __aenter__(self) -> AriClient:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def wait_connected(self, timeout: float) -> None:  # noqa: ASYNC109 (API deadline)
        """After a drop: wait until reconnected and registered (AriUnavailable if not)."""
        await self.events_socket.wait_up(timeout)

    # ------------------------------------------------------------- handlers

    @overload
    def on(self, event: type[E], handler: Handler[E]) -> Callable[[], None]: ...
    @overload
    def on(self, event: str, handler: Handler[AriEvent]) -> Callable[[], None]: ...

    def on(self, event: type[Any] | str, handler: Callable[[Any], object]) -> Callable[[], None]:
        """Call ``handler`` (async) for each event of that class, or of that ARI type name
        (``"*"``: every event). Each call runs as its own task. Returns an unsubscribe."""
        entry = (event, handler)
        self._handlers.append(entry)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._handlers.remove(entry)

        return unsubscribe

    def on_reconnect(self, hook: ReconnectHook) -> Callable[[], None]:
        """Run ``hook`` (async, as a task) after every re-established connection (not the
        first): the app re-syncs there, e.g. lists the channels still in Stasis."""
        self._reconnect_hooks.append(hook)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._reconnect_hooks.remove(hook)

        return unsubscribe

    def expect(
        self,
        event_cls: type[E],
        *,
        channel_id: str | None = None,
        where: Callable[[E], bool] | None = None,
    ) -> Waiter[E]:
        """Register interest in one event now, before the REST call that causes it."""
        waiter = Waiter(self, event_cls, channel_id, where)
        self._waiters.add(waiter)
        return waiter

    # ------------------------------------------------------------- internal

    async def _app_registered(self) -> bool:
        try:
            await self.application()
        except AriHttpError as exc:
            if exc.not_found:
                return False
            raise
        return True

    async def _stop_runner(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner

    def _spawn(self, call: Callable[[], object], name: str, extra: dict[str, Any]) -> None:
        """Run ``call`` (a handler bound to its event) as its own task; log its failure."""

        async def guarded() -> None:
            try:
                result = call()
                if inspect.isawaitable(result):
                    await result
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("ARI handler failed", extra={"handler": name, **extra})

        task = asyncio.create_task(guarded(), name=f"ari:{name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _socket_up(self, first: bool) -> None:
        if first:
            return
        for hook in list(self._reconnect_hooks):
            self._spawn(hook, _name(hook), {"event_type": "reconnect"})

    def _dispatch(self, raw: str | bytes) -> None:
        try:
            event = parse_event(raw)
        except AriEventError as exc:
            log.warning("ARI sent a message we cannot read", extra={"error": str(exc)})
            return
        for waiter in list(self._waiters):
            if waiter.offer(event):
                self._waiters.discard(waiter)
        extra = {"event_type": event.type, "channel_id": event_channel_id(event)}
        log.debug("ARI event", extra=extra)
        for key, handler in list(self._handlers):
            if (
                key == "*"
                or key == event.type
                or (isinstance(key, type) and isinstance(event, key))
            ):
                self._spawn(functools.partial(handler, event), _name(handler), extra)
        if isinstance(event, ApplicationReplaced):
            log.error(
                "another client registered our Stasis app; no events until it lets go",
                extra={"app": self.app},
            )
            self.events_socket.replaced()


def _wants(key: type[Any] | str, event: AriEvent) -> bool:
    if isinstance(key, str):
        return key in ("*", event.type)
    return isinstance(event, key)


def _name(func: object) -> str:
    return str(getattr(func, "__qualname__", None) or getattr(func, "__name__", repr(func)))
