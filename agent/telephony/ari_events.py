"""Typed ARI events and models, and :func:`parse_event` for what the events websocket sends.

Each event Asterisk sends is one JSON object with ``type``, ``application`` and
``timestamp``; the product's events become the frozen dataclasses below, anything
else becomes :class:`UnknownEvent` (so a newer Asterisk never breaks the reader).
Malformed input raises :class:`AriEventError`, whose message names the event type
and the missing or wrong field, and never contains the payload (it may hold caller
data).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, TypeAlias


class AriEventError(ValueError):
    """An ARI message that cannot be turned into an event (bad JSON, missing field)."""


# ------------------------------------------------------------------ models


@dataclass(frozen=True, slots=True, kw_only=True)
class Channel:
    id: str
    name: str
    state: str
    caller_number: str = ""
    caller_name: str = ""
    connected_number: str = ""
    connected_name: str = ""
    dialplan_context: str = ""
    dialplan_exten: str = ""
    dialplan_priority: int = 0
    dialplan_app_name: str = ""
    dialplan_app_data: str = ""
    creationtime: datetime | None = None
    language: str = ""
    channelvars: Mapping[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Bridge:
    id: str
    technology: str = ""
    bridge_type: str = ""
    bridge_class: str = ""
    name: str = ""
    channels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Playback:
    id: str
    target_uri: str = ""
    media_uri: str = ""
    state: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Application:
    """``GET /applications/{name}``: a registered Stasis application."""

    name: str
    channel_ids: tuple[str, ...] = ()
    bridge_ids: tuple[str, ...] = ()
    endpoint_ids: tuple[str, ...] = ()


# ------------------------------------------------------------------ events


@dataclass(frozen=True, slots=True, kw_only=True)
class _Event:
    application: str
    timestamp: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class StasisStart(_Event):
    type: ClassVar[str] = "StasisStart"
    channel: Channel
    args: tuple[str, ...] = ()
    replace_channel: Channel | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StasisEnd(_Event):
    type: ClassVar[str] = "StasisEnd"
    channel: Channel


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelDtmfReceived(_Event):
    type: ClassVar[str] = "ChannelDtmfReceived"
    channel: Channel
    digit: str
    duration_ms: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelHangupRequest(_Event):
    type: ClassVar[str] = "ChannelHangupRequest"
    channel: Channel
    cause: int | None = None
    soft: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelDestroyed(_Event):
    type: ClassVar[str] = "ChannelDestroyed"
    channel: Channel
    cause: int
    cause_txt: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelStateChange(_Event):
    type: ClassVar[str] = "ChannelStateChange"
    channel: Channel


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelVarset(_Event):
    type: ClassVar[str] = "ChannelVarset"
    variable: str
    value: str
    channel: Channel | None = None  # None for a global variable


@dataclass(frozen=True, slots=True, kw_only=True)
class Dial(_Event):
    type: ClassVar[str] = "Dial"
    peer: Channel
    caller: Channel | None = None
    dialstatus: str = ""
    dialstring: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaybackStarted(_Event):
    type: ClassVar[str] = "PlaybackStarted"
    playback: Playback


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaybackFinished(_Event):
    type: ClassVar[str] = "PlaybackFinished"
    playback: Playback


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelLeftBridge(_Event):
    type: ClassVar[str] = "ChannelLeftBridge"
    bridge: Bridge
    channel: Channel


@dataclass(frozen=True, slots=True, kw_only=True)
class BridgeDestroyed(_Event):
    type: ClassVar[str] = "BridgeDestroyed"
    bridge: Bridge


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplicationReplaced(_Event):
    """Another websocket registered our app name: this socket gets no more events."""

    type: ClassVar[str] = "ApplicationReplaced"


@dataclass(frozen=True, slots=True, kw_only=True)
class UnknownEvent(_Event):
    type: str
    raw: Mapping[str, Any] = field(hash=False)


AriEvent: TypeAlias = (
    StasisStart
    | StasisEnd
    | ChannelDtmfReceived
    | ChannelHangupRequest
    | ChannelDestroyed
    | ChannelStateChange
    | ChannelVarset
    | Dial
    | PlaybackStarted
    | PlaybackFinished
    | ChannelLeftBridge
    | BridgeDestroyed
    | ApplicationReplaced
    | UnknownEvent
)


def event_channel_id(event: AriEvent) -> str | None:
    """The channel an event is about (the dialled peer for ``Dial``), if any."""
    if isinstance(event, Dial):
        return event.peer.id
    channel = getattr(event, "channel", None)
    return channel.id if isinstance(channel, Channel) else None


# ------------------------------------------------------------------ parsing


class _Fields:
    """Typed access to one JSON object; errors name the event and the field path."""

    __slots__ = ("_data", "_event", "_path")

    def __init__(self, data: object, event: str, path: str) -> None:
        if not isinstance(data, dict):
            where = f"field {path!r}" if path else "the message"
            raise AriEventError(f"{event}: {where} is not a JSON object")
        self._data: dict[str, Any] = data
        self._event = event
        self._path = path

    def _name(self, key: str) -> str:
        return f"{self._path}.{key}" if self._path else key

    def _fail(self, key: str, problem: str) -> AriEventError:
        return AriEventError(f"{self._event}: field {self._name(key)!r} {problem}")

    def has(self, key: str) -> bool:
        return self._data.get(key) is not None

    def text(self, key: str, default: str | None = None) -> str:
        value = self._data.get(key)
        if value is None:
            if default is None:
                raise self._fail(key, "is missing")
            return default
        if not isinstance(value, str):
            raise self._fail(key, f"must be a string, not {type(value).__name__}")
        return value

    def integer(self, key: str, default: int | None = None) -> int:
        value = self._data.get(key)
        if value is None:
            if default is None:
                raise self._fail(key, "is missing")
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(key, f"must be an integer, not {type(value).__name__}")
        return value

    def flag(self, key: str) -> bool:
        value = self._data.get(key, False)
        if not isinstance(value, bool):
            raise self._fail(key, f"must be true or false, not {type(value).__name__}")
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        value = self._data.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self._fail(key, "must be a list of strings")
        return tuple(value)

    def obj(self, key: str, required: bool = True) -> _Fields | None:
        value = self._data.get(key)
        if value is None:
            if required:
                raise self._fail(key, "is missing")
            return None
        return _Fields(value, self._event, self._name(key))

    def sub(self, key: str) -> _Fields:
        """A nested object that must be present."""
        found = self.obj(key)
        assert found is not None
        return found

    def time(self, key: str) -> datetime | None:
        value = self._data.get(key)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise self._fail(key, "must be a timestamp string")
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise self._fail(key, f"is not an ISO 8601 timestamp: {value!r}") from None

    def str_map(self, key: str) -> dict[str, str]:
        value = self._data.get(key) or {}
        if not isinstance(value, dict):
            raise self._fail(key, "must be a JSON object")
        return {str(k): "" if v is None else str(v) for k, v in value.items()}


def _channel(f: _Fields) -> Channel:
    caller = f.obj("caller", required=False)
    connected = f.obj("connected", required=False)
    dialplan = f.obj("dialplan", required=False)
    return Channel(
        id=f.text("id"),
        name=f.text("name"),
        state=f.text("state"),
        caller_number=caller.text("number", "") if caller else "",
        caller_name=caller.text("name", "") if caller else "",
        connected_number=connected.text("number", "") if connected else "",
        connected_name=connected.text("name", "") if connected else "",
        dialplan_context=dialplan.text("context", "") if dialplan else "",
        dialplan_exten=dialplan.text("exten", "") if dialplan else "",
        dialplan_priority=dialplan.integer("priority", 0) if dialplan else 0,
        dialplan_app_name=dialplan.text("app_name", "") if dialplan else "",
        dialplan_app_data=dialplan.text("app_data", "") if dialplan else "",
        creationtime=f.time("creationtime"),
        language=f.text("language", ""),
        channelvars=f.str_map("channelvars"),
    )


def _bridge(f: _Fields) -> Bridge:
    return Bridge(
        id=f.text("id"),
        technology=f.text("technology", ""),
        bridge_type=f.text("bridge_type", ""),
        bridge_class=f.text("bridge_class", ""),
        name=f.text("name", ""),
        channels=f.strings("channels"),
    )


def _playback(f: _Fields) -> Playback:
    return Playback(
        id=f.text("id"),
        target_uri=f.text("target_uri", ""),
        media_uri=f.text("media_uri", ""),
        state=f.text("state", ""),
    )


def _optional_channel(f: _Fields, key: str) -> Channel | None:
    sub = f.obj(key, required=False)
    return _channel(sub) if sub else None


def parse_channel(data: Mapping[str, Any]) -> Channel:
    """A Channel from a REST response (``GET /channels``, externalMedia, originate)."""
    return _channel(_Fields(dict(data), "Channel", ""))


def parse_bridge(data: Mapping[str, Any]) -> Bridge:
    return _bridge(_Fields(dict(data), "Bridge", ""))


def parse_application(data: Mapping[str, Any]) -> Application:
    f = _Fields(dict(data), "Application", "")
    return Application(
        name=f.text("name"),
        channel_ids=f.strings("channel_ids"),
        bridge_ids=f.strings("bridge_ids"),
        endpoint_ids=f.strings("endpoint_ids"),
    )


def _common(f: _Fields) -> dict[str, Any]:
    return {"application": f.text("application", ""), "timestamp": f.time("timestamp")}


_PARSERS: dict[str, Callable[[_Fields], AriEvent]] = {
    "StasisStart": lambda f: StasisStart(
        **_common(f),
        channel=_channel(f.sub("channel")),
        args=f.strings("args"),
        replace_channel=_optional_channel(f, "replace_channel"),
    ),
    "StasisEnd": lambda f: StasisEnd(**_common(f), channel=_channel(f.sub("channel"))),
    "ChannelDtmfReceived": lambda f: ChannelDtmfReceived(
        **_common(f),
        channel=_channel(f.sub("channel")),
        digit=f.text("digit"),
        duration_ms=f.integer("duration_ms", 0),
    ),
    "ChannelHangupRequest": lambda f: ChannelHangupRequest(
        **_common(f),
        channel=_channel(f.sub("channel")),
        cause=f.integer("cause") if f.has("cause") else None,
        soft=f.flag("soft"),
    ),
    "ChannelDestroyed": lambda f: ChannelDestroyed(
        **_common(f),
        channel=_channel(f.sub("channel")),
        cause=f.integer("cause"),
        cause_txt=f.text("cause_txt", ""),
    ),
    "ChannelStateChange": lambda f: ChannelStateChange(
        **_common(f), channel=_channel(f.sub("channel"))
    ),
    "ChannelVarset": lambda f: ChannelVarset(
        **_common(f),
        variable=f.text("variable"),
        value=f.text("value", ""),
        channel=_optional_channel(f, "channel"),
    ),
    "Dial": lambda f: Dial(
        **_common(f),
        peer=_channel(f.sub("peer")),
        caller=_optional_channel(f, "caller"),
        dialstatus=f.text("dialstatus", ""),
        dialstring=f.text("dialstring", ""),
    ),
    "PlaybackStarted": lambda f: PlaybackStarted(
        **_common(f), playback=_playback(f.sub("playback"))
    ),
    "PlaybackFinished": lambda f: PlaybackFinished(
        **_common(f), playback=_playback(f.sub("playback"))
    ),
    "ChannelLeftBridge": lambda f: ChannelLeftBridge(
        **_common(f), bridge=_bridge(f.sub("bridge")), channel=_channel(f.sub("channel"))
    ),
    "BridgeDestroyed": lambda f: BridgeDestroyed(**_common(f), bridge=_bridge(f.sub("bridge"))),
    "ApplicationReplaced": lambda f: ApplicationReplaced(**_common(f)),
}


def parse_event(raw: str | bytes | Mapping[str, Any]) -> AriEvent:
    """Turn one ARI websocket message into a typed event.

    Raises :class:`AriEventError` for invalid JSON, a message that is not an
    object, a missing ``type``, or a missing/mistyped field of a known event.
    """
    if isinstance(raw, str | bytes):
        try:
            data: object = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise AriEventError(f"ARI message is not valid JSON: {exc}") from None
    else:
        data = dict(raw)
    if not isinstance(data, dict):
        raise AriEventError(f"ARI message is a JSON {type(data).__name__}, not an object")
    kind = data.get("type")
    if not isinstance(kind, str) or not kind:
        raise AriEventError("ARI message has no 'type' field")
    f = _Fields(data, kind, "")
    parser = _PARSERS.get(kind)
    if parser is None:
        return UnknownEvent(**_common(f), type=kind, raw=data)
    return parser(f)
