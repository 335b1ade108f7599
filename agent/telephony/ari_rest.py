"""ARI's REST side: one ``httpx.AsyncClient`` with basic auth, and typed helpers.

The password travels only in the ``Authorization`` header, never in a URL.
Every failed request raises :class:`AriHttpError` (HTTP status, method, path and
Asterisk's message); a request that reaches no Asterisk raises
:class:`AriUnavailable`. A 404 on a channel or bridge that is already gone is
common in cleanup code: ``with ignore_status(404): await ari.hangup(...)``.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from agent.telephony.ari_events import (
    Application,
    Bridge,
    Channel,
    Playback,
    parse_application,
    parse_bridge,
    parse_channel,
)
from agent.telephony.ari_tls import FIX, is_certificate_error, tls_context

log = logging.getLogger(__name__)

ParamValue = str | int | float | bool | Sequence[str] | None


class AriError(Exception):
    """Base class of the ARI client's errors."""


class AriUnavailable(AriError):
    """Asterisk's ARI cannot be reached, or refuses our credentials."""


class AriHttpError(AriError):
    """ARI answered a request with an HTTP error status."""

    def __init__(self, status: int, method: str, path: str, message: str) -> None:
        super().__init__(f"ARI {method} {path} failed: HTTP {status}: {message}")
        self.status = status
        self.method = method
        self.path = path
        self.message = message

    @property
    def not_found(self) -> bool:
        """The channel, bridge, app or variable does not exist (any more)."""
        return self.status == 404


@contextlib.contextmanager
def ignore_status(*statuses: int) -> Iterator[None]:
    """Swallow :class:`AriHttpError` with one of ``statuses`` (default: 404)."""
    wanted = statuses or (404,)
    try:
        yield
    except AriHttpError as exc:
        if exc.status not in wanted:
            raise
        log.debug("ignored ARI error", extra={"status": exc.status, "path": exc.path})


def _segment(value: str) -> str:
    return quote(value, safe="")


def _query(params: Mapping[str, ParamValue]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, str | int | float):
            out[key] = str(value)
        else:
            out[key] = ",".join(value)
    return out


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:200] or response.reason_phrase
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    return response.reason_phrase


class AriRest:
    """Typed ARI REST calls for one Stasis app."""

    def __init__(
        self,
        base_url: str,
        user: str,
        password: str,
        app: str = "rufbereit",
        *,
        request_timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        ca_file: Path | None = None,
    ) -> None:
        """``ca_file``: the CA that signed the PBX's certificate, for https (ari_tls.py)."""
        self.base_url = base_url.rstrip("/")
        self.app = app
        self.tls = tls_context(self.base_url, ca_file)
        self._http = httpx.AsyncClient(
            base_url=self.base_url + "/",
            auth=httpx.BasicAuth(user, password),
            timeout=request_timeout,
            transport=transport,
            trust_env=False,  # never send PBX traffic through an HTTP proxy from the environment
            verify=self.tls if self.tls is not None else True,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, ParamValue] | None = None,
        json: Any = None,
    ) -> Any:
        """One ARI call; returns the decoded JSON body (``None`` for an empty one)."""
        path = path.lstrip("/")
        started = time.monotonic()
        try:
            response = await self._http.request(
                method, path, params=_query(params or {}), json=json
            )
        except httpx.TransportError as exc:
            if is_certificate_error(exc):
                raise AriUnavailable(f"ARI {method} /{path}: {FIX} ({self.base_url})") from exc
            raise AriUnavailable(
                f"ARI {method} /{path}: no answer from {self.base_url} ({type(exc).__name__})"
            ) from exc
        ms = round((time.monotonic() - started) * 1000)
        log.debug(
            "ARI request",
            extra={"method": method, "path": path, "status": response.status_code, "ms": ms},
        )
        if response.status_code >= 400:
            raise AriHttpError(response.status_code, method, "/" + path, _message(response))
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            return response.text

    # ------------------------------------------------------------ channels

    async def list_channels(self) -> list[Channel]:
        return [parse_channel(c) for c in await self.request("GET", "channels")]

    async def get_channel(self, channel_id: str) -> Channel:
        return parse_channel(await self.request("GET", f"channels/{_segment(channel_id)}"))

    async def answer(self, channel_id: str) -> None:
        await self.request("POST", f"channels/{_segment(channel_id)}/answer")

    async def hangup(self, channel_id: str, reason: str = "normal") -> None:
        """``reason``: normal, busy, congestion, no_answer, rejected, ... (ARI's names)."""
        await self.request("DELETE", f"channels/{_segment(channel_id)}", params={"reason": reason})

    async def continue_in_dialplan(
        self,
        channel_id: str,
        context: str | None = None,
        extension: str | None = None,
        priority: int | None = None,
        label: str | None = None,
    ) -> None:
        """Leave Stasis; without arguments the dialplan goes on after ``Stasis()``."""
        params = {"context": context, "extension": extension, "priority": priority, "label": label}
        await self.request("POST", f"channels/{_segment(channel_id)}/continue", params=params)

    async def set_channel_var(self, channel_id: str, variable: str, value: str) -> None:
        params = {"variable": variable, "value": value}
        await self.request("POST", f"channels/{_segment(channel_id)}/variable", params=params)

    async def set_global_var(self, variable: str, value: str) -> None:
        """A dialplan global (``POST /asterisk/variable``): the routing the dialplan reads."""
        await self.request(
            "POST", "asterisk/variable", params={"variable": variable, "value": value}
        )

    async def get_global_var(self, variable: str) -> str | None:
        """A dialplan global's value, or ``None`` when it is not set."""
        try:
            body = await self.request("GET", "asterisk/variable", params={"variable": variable})
        except AriHttpError as exc:
            if exc.not_found:
                return None
            raise
        value = body.get("value") if isinstance(body, dict) else None
        return value if isinstance(value, str) and value != "" else None

    async def get_channel_var(self, channel_id: str, variable: str) -> str | None:
        """The variable's value, or ``None`` if it is not set (a gone channel raises 404)."""
        try:
            body = await self.request(
                "GET", f"channels/{_segment(channel_id)}/variable", params={"variable": variable}
            )
        except AriHttpError as exc:
            if exc.not_found and "variable" in exc.message.lower():
                return None
            raise
        value = body.get("value") if isinstance(body, dict) else None
        return value if isinstance(value, str) else None

    async def external_media(
        self,
        *,
        external_host: str,
        format: str,
        app: str | None = None,
        encapsulation: str | None = None,
        transport: str | None = None,
        connection_type: str | None = None,
        direction: str | None = None,
        data: str | None = None,
        channel_id: str | None = None,
        variables: Mapping[str, str] | None = None,
    ) -> Channel:
        """``POST /channels/externalMedia``. Returns before the channel is in Stasis:
        use :meth:`AriClient.expect` (registered first) to wait for its StasisStart."""
        params: dict[str, ParamValue] = {
            "app": app or self.app,
            "external_host": external_host,
            "format": format,
            "encapsulation": encapsulation,
            "transport": transport,
            "connection_type": connection_type,
            "direction": direction,
            "data": data,
            "channelId": channel_id,
        }
        body = {"variables": dict(variables)} if variables else None
        return parse_channel(
            await self.request("POST", "channels/externalMedia", params=params, json=body)
        )

    async def originate(
        self,
        endpoint: str,
        *,
        app: str | None = None,
        app_args: str | Sequence[str] | None = None,
        caller_id: str | None = None,
        ring_timeout_s: int | None = None,
        channel_id: str | None = None,
        variables: Mapping[str, str] | None = None,
    ) -> Channel:
        """``POST /channels``: dial ``endpoint`` (e.g. ``PJSIP/oncall1``); on answer it
        enters ``app`` with ``app_args``. Returns the new, not yet answered channel."""
        params: dict[str, ParamValue] = {
            "endpoint": endpoint,
            "app": app or self.app,
            "appArgs": app_args,
            "callerId": caller_id,
            "timeout": ring_timeout_s,
            "channelId": channel_id,
        }
        body = {"variables": dict(variables)} if variables else None
        return parse_channel(await self.request("POST", "channels", params=params, json=body))

    async def create_channel(
        self,
        endpoint: str,
        *,
        app: str | None = None,
        app_args: str | Sequence[str] | None = None,
        channel_id: str | None = None,
        variables: Mapping[str, str] | None = None,
    ) -> Channel:
        """``POST /channels/create``: a channel in Stasis that is not dialled yet (see dial)."""
        params: dict[str, ParamValue] = {
            "endpoint": endpoint,
            "app": app or self.app,
            "appArgs": app_args,
            "channelId": channel_id,
        }
        body = {"variables": dict(variables)} if variables else None
        return parse_channel(
            await self.request("POST", "channels/create", params=params, json=body)
        )

    async def dial(self, channel_id: str, *, ring_timeout_s: int | None = None) -> None:
        params = {"timeout": ring_timeout_s}
        await self.request("POST", f"channels/{_segment(channel_id)}/dial", params=params)

    async def snoop(
        self,
        channel_id: str,
        *,
        snoop_id: str,
        spy: str = "both",
        whisper: str = "none",
        app: str | None = None,
        app_args: str | Sequence[str] | None = None,
    ) -> Channel:
        """``POST /channels/{id}/snoop``: a channel that hears ``channel_id`` (``spy``:
        in = what it says, out = what it hears, both) and, with ``whisper``, speaks into
        it. It enters ``app``; like externalMedia it returns before its StasisStart."""
        params: dict[str, ParamValue] = {
            "spy": spy,
            "whisper": whisper,
            "app": app or self.app,
            "appArgs": app_args,
            "snoopId": snoop_id,
        }
        path = f"channels/{_segment(channel_id)}/snoop"
        return parse_channel(await self.request("POST", path, params=params))

    async def play(
        self, channel_id: str, media: str | Sequence[str], *, playback_id: str | None = None
    ) -> Playback:
        """Play ``sound:...``/``tone:...`` media on a channel."""
        params = {"media": media, "playbackId": playback_id}
        body = await self.request("POST", f"channels/{_segment(channel_id)}/play", params=params)
        return Playback(
            id=str(body["id"]),
            target_uri=str(body.get("target_uri", "")),
            media_uri=str(body.get("media_uri", "")),
            state=str(body.get("state", "")),
        )

    # ------------------------------------------------------------- bridges

    async def list_bridges(self) -> list[Bridge]:
        return [parse_bridge(b) for b in await self.request("GET", "bridges")]

    async def create_bridge(
        self, bridge_id: str | None = None, bridge_type: str = "mixing", name: str | None = None
    ) -> Bridge:
        params = {"type": bridge_type, "bridgeId": bridge_id, "name": name}
        return parse_bridge(await self.request("POST", "bridges", params=params))

    async def add_channel(self, bridge_id: str, channel: str | Sequence[str]) -> None:
        params = {"channel": channel}
        await self.request("POST", f"bridges/{_segment(bridge_id)}/addChannel", params=params)

    async def remove_channel(self, bridge_id: str, channel: str | Sequence[str]) -> None:
        params = {"channel": channel}
        await self.request("POST", f"bridges/{_segment(bridge_id)}/removeChannel", params=params)

    async def destroy_bridge(self, bridge_id: str) -> None:
        await self.request("DELETE", f"bridges/{_segment(bridge_id)}")

    # -------------------------------------------------------- applications

    async def application(self, name: str | None = None) -> Application:
        """``GET /applications/{name}``: 404 (AriHttpError) when the app is not registered."""
        return parse_application(
            await self.request("GET", f"applications/{_segment(name or self.app)}")
        )
