"""parse_event: ARI event JSON as Asterisk 22 sends it -> typed events; bad input -> error."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from agent.telephony.ari_events import (
    ApplicationReplaced,
    AriEventError,
    BridgeDestroyed,
    Channel,
    ChannelDestroyed,
    ChannelDtmfReceived,
    ChannelHangupRequest,
    ChannelLeftBridge,
    ChannelStateChange,
    ChannelVarset,
    Dial,
    PlaybackFinished,
    PlaybackStarted,
    StasisEnd,
    StasisStart,
    UnknownEvent,
    event_channel_id,
    parse_application,
    parse_bridge,
    parse_channel,
    parse_event,
)

ASTERISK_ID = "02:42:ac:11:00:02"


def channel_json(
    channel_id: str = "1718000000.12", name: str = "PJSIP/caller-00000003", **kw: Any
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": channel_id,
        "name": name,
        "state": "Ring",
        "protocol_id": "f3b5c2a0-1c0e-4a5e-9d7f-3a1d2b3c4d5e",
        "caller": {"name": "Anna Berger", "number": "+4930123456"},
        "connected": {"name": "", "number": ""},
        "accountcode": "",
        "dialplan": {
            "context": "rufbereit",
            "exten": "800",
            "priority": 3,
            "app_name": "Stasis",
            "app_data": "rufbereit,inbound,800",
        },
        "creationtime": "2025-06-10T14:03:21.512+0200",
        "language": "de",
    }
    data.update(kw)
    return data


def event_json(kind: str, **fields: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "timestamp": "2025-06-10T14:03:21.733+0200",
        "asterisk_id": ASTERISK_ID,
        "application": "rufbereit",
        **fields,
    }


def as_text(data: dict[str, Any]) -> str:
    return json.dumps(data)


# ------------------------------------------------------------------ known events


def test_stasis_start_full() -> None:
    raw = as_text(
        event_json("StasisStart", args=["inbound", "800"], channel=channel_json(channelvars={}))
    )
    event = parse_event(raw)
    assert isinstance(event, StasisStart)
    assert event.type == "StasisStart"
    assert event.application == "rufbereit"
    assert event.timestamp is not None
    assert event.timestamp.utcoffset() == timedelta(hours=2)
    assert event.args == ("inbound", "800")
    assert event.replace_channel is None
    ch = event.channel
    assert ch.id == "1718000000.12"
    assert ch.name == "PJSIP/caller-00000003"
    assert ch.state == "Ring"
    assert (ch.caller_number, ch.caller_name) == ("+4930123456", "Anna Berger")
    assert (ch.connected_number, ch.connected_name) == ("", "")
    assert ch.dialplan_context == "rufbereit"
    assert ch.dialplan_exten == "800"
    assert ch.dialplan_priority == 3
    assert ch.dialplan_app_name == "Stasis"
    assert ch.dialplan_app_data == "rufbereit,inbound,800"
    assert ch.creationtime is not None and ch.creationtime.microsecond == 512000
    assert ch.language == "de"
    assert dict(ch.channelvars) == {}
    assert event_channel_id(event) == ch.id


def test_stasis_start_external_media_channel_with_channelvars_and_bytes_input() -> None:
    media = channel_json(
        "rufbereit-media-1",
        "WebSocket/connection-1a2b/0x7f3c",
        state="Up",
        caller={"name": "", "number": ""},
        dialplan={
            "context": "default",
            "exten": "s",
            "priority": 1,
            "app_name": "",
            "app_data": "",
        },
        channelvars={
            "MEDIA_WEBSOCKET_CONNECTION_ID": "1a2b3c",
            "MEDIA_WEBSOCKET_OPTIMAL_FRAME_SIZE": "640",
        },
    )
    event = parse_event(as_text(event_json("StasisStart", args=[], channel=media)).encode())
    assert isinstance(event, StasisStart)
    assert event.args == ()
    assert event.channel.channelvars["MEDIA_WEBSOCKET_CONNECTION_ID"] == "1a2b3c"
    assert event.channel.dialplan_app_name == ""


def test_stasis_start_with_replace_channel() -> None:
    event = parse_event(
        event_json(
            "StasisStart",
            args=[],
            channel=channel_json("new.1"),
            replace_channel=channel_json("old.1", "Local/800@rufbereit-00000001;2"),
        )
    )
    assert isinstance(event, StasisStart)
    assert event.replace_channel is not None
    assert event.replace_channel.id == "old.1"


def test_stasis_end() -> None:
    event = parse_event(event_json("StasisEnd", channel=channel_json(state="Up")))
    assert isinstance(event, StasisEnd)
    assert event.channel.state == "Up"


def test_dtmf() -> None:
    event = parse_event(
        event_json("ChannelDtmfReceived", digit="1", duration_ms=120, channel=channel_json())
    )
    assert isinstance(event, ChannelDtmfReceived)
    assert (event.digit, event.duration_ms) == ("1", 120)


def test_hangup_request_with_and_without_cause() -> None:
    event = parse_event(
        event_json("ChannelHangupRequest", cause=16, soft=True, channel=channel_json())
    )
    assert isinstance(event, ChannelHangupRequest)
    assert (event.cause, event.soft) == (16, True)
    bare = parse_event(event_json("ChannelHangupRequest", channel=channel_json()))
    assert isinstance(bare, ChannelHangupRequest)
    assert (bare.cause, bare.soft) == (None, False)


def test_channel_destroyed() -> None:
    event = parse_event(
        event_json(
            "ChannelDestroyed", cause=16, cause_txt="Normal Clearing", channel=channel_json()
        )
    )
    assert isinstance(event, ChannelDestroyed)
    assert (event.cause, event.cause_txt) == (16, "Normal Clearing")


def test_state_change() -> None:
    event = parse_event(event_json("ChannelStateChange", channel=channel_json(state="Up")))
    assert isinstance(event, ChannelStateChange)
    assert event.channel.state == "Up"


def test_varset_on_channel_and_global() -> None:
    event = parse_event(
        event_json(
            "ChannelVarset", variable="RUFBEREIT_RESULT", value="handover", channel=channel_json()
        )
    )
    assert isinstance(event, ChannelVarset)
    assert (event.variable, event.value) == ("RUFBEREIT_RESULT", "handover")
    assert event.channel is not None
    glob = parse_event(event_json("ChannelVarset", variable="G", value=""))
    assert isinstance(glob, ChannelVarset)
    assert glob.channel is None
    assert event_channel_id(glob) is None


def test_dial_busy() -> None:
    peer = channel_json("oncall.1", "PJSIP/oncall1-00000007", state="Down")
    event = parse_event(event_json("Dial", peer=peer, dialstatus="BUSY", dialstring="oncall1"))
    assert isinstance(event, Dial)
    assert event.caller is None
    assert event.dialstatus == "BUSY"
    assert event.dialstring == "oncall1"
    assert event_channel_id(event) == "oncall.1"


def test_playback_started_and_finished() -> None:
    playback = {
        "id": "pb-1",
        "media_uri": "sound:hello-world",
        "target_uri": "channel:1718000000.12",
        "language": "en",
        "state": "playing",
    }
    started = parse_event(event_json("PlaybackStarted", playback=playback))
    assert isinstance(started, PlaybackStarted)
    assert (started.playback.id, started.playback.state) == ("pb-1", "playing")
    assert started.playback.target_uri == "channel:1718000000.12"
    finished = parse_event(event_json("PlaybackFinished", playback={**playback, "state": "done"}))
    assert isinstance(finished, PlaybackFinished)
    assert finished.playback.state == "done"


def bridge_json(**kw: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "rufbereit-bridge-1",
        "technology": "simple_bridge",
        "bridge_type": "mixing",
        "bridge_class": "stasis",
        "creator": "Stasis",
        "name": "",
        "channels": ["1718000000.12"],
        "creationtime": "2025-06-10T14:03:22.001+0200",
        "video_mode": "none",
    }
    data.update(kw)
    return data


def test_channel_left_bridge_and_bridge_destroyed() -> None:
    left = parse_event(
        event_json("ChannelLeftBridge", bridge=bridge_json(channels=[]), channel=channel_json())
    )
    assert isinstance(left, ChannelLeftBridge)
    assert left.bridge.bridge_type == "mixing"
    assert left.bridge.channels == ()
    gone = parse_event(event_json("BridgeDestroyed", bridge=bridge_json()))
    assert isinstance(gone, BridgeDestroyed)
    assert gone.bridge.technology == "simple_bridge"
    assert gone.bridge.channels == ("1718000000.12",)


def test_application_replaced() -> None:
    event = parse_event(event_json("ApplicationReplaced"))
    assert isinstance(event, ApplicationReplaced)
    assert event.application == "rufbereit"


def test_unknown_event_keeps_type_and_raw() -> None:
    raw = event_json("ChannelTalkingStarted", channel=channel_json())
    event = parse_event(as_text(raw))
    assert isinstance(event, UnknownEvent)
    assert event.type == "ChannelTalkingStarted"
    assert event.raw["channel"]["id"] == "1718000000.12"
    assert event.application == "rufbereit"


def test_missing_optional_envelope_fields_are_tolerated() -> None:
    event = parse_event({"type": "StasisEnd", "channel": channel_json()})
    assert isinstance(event, StasisEnd)
    assert event.application == ""
    assert event.timestamp is None


# ------------------------------------------------------------------ REST models


def test_rest_models() -> None:
    ch = parse_channel(channel_json(state="Up"))
    assert isinstance(ch, Channel)
    assert ch.state == "Up"
    assert parse_bridge(bridge_json()).id == "rufbereit-bridge-1"
    app = parse_application(
        {
            "name": "rufbereit",
            "channel_ids": ["a"],
            "bridge_ids": [],
            "endpoint_ids": [],
            "device_names": [],
            "events_allowed": [],
            "events_disallowed": [],
        }
    )
    assert (app.name, app.channel_ids) == ("rufbereit", ("a",))


def test_events_are_frozen_and_hashable() -> None:
    event = parse_event(event_json("StasisEnd", channel=channel_json(channelvars={"A": "1"})))
    assert isinstance(event, StasisEnd)
    with pytest.raises(AttributeError):
        event.application = "other"  # type: ignore[misc]
    hash(event)


# ------------------------------------------------------------------ malformed input


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{not json", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        ("", "not valid JSON"),
        ("[1, 2]", "JSON list, not an object"),
        ('"StasisStart"', "JSON str, not an object"),
        ("{}", "no 'type'"),
        ('{"type": 5}', "no 'type'"),
        (event_json("StasisStart", args=[]), "StasisStart: field 'channel' is missing"),
        (
            event_json("StasisStart", channel={"name": "x", "state": "Up"}),
            "StasisStart: field 'channel.id' is missing",
        ),
        (
            event_json("StasisStart", channel=channel_json(dialplan={"priority": "one"})),
            "field 'channel.dialplan.priority' must be an integer",
        ),
        (event_json("StasisStart", channel="1.2"), "field 'channel' is not a JSON object"),
        (
            event_json("StasisStart", channel=channel_json(), args="inbound"),
            "field 'args' must be a list of strings",
        ),
        (
            event_json("ChannelDtmfReceived", channel=channel_json()),
            "ChannelDtmfReceived: field 'digit' is missing",
        ),
        (
            event_json("ChannelDestroyed", channel=channel_json(), cause="16"),
            "field 'cause' must be an integer, not str",
        ),
        (
            event_json("ChannelHangupRequest", channel=channel_json(), soft="yes"),
            "field 'soft' must be true or false",
        ),
        (
            event_json("StasisEnd", channel=channel_json(creationtime="yesterday")),
            "field 'channel.creationtime' is not an ISO 8601 timestamp",
        ),
        (event_json("Dial", dialstatus="BUSY"), "Dial: field 'peer' is missing"),
        (event_json("PlaybackStarted", playback={}), "field 'playback.id' is missing"),
    ],
)
def test_malformed_input_raises_clear_error(raw: Any, message: str) -> None:
    with pytest.raises(AriEventError, match=message.replace("(", r"\(")):
        parse_event(raw)


def test_error_message_never_contains_caller_data() -> None:
    bad = event_json("ChannelDtmfReceived", channel=channel_json())
    with pytest.raises(AriEventError) as info:
        parse_event(as_text(bad))
    assert "+4930123456" not in str(info.value)
    assert "Anna" not in str(info.value)
