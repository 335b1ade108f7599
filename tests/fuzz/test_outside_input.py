"""Fuzzing every parser that takes input from outside (hypothesis).

What comes from outside: AudioSocket frames and chan_websocket control messages (from
Asterisk, over TCP), ARI events (its websocket), the profile YAML (the admin), DTMF keys
and the caller's words (the caller, through a recogniser that can produce anything).
The rule for each: a clear error of the parser's own kind, or a sensible result. Never
another exception, never a hang, and for the caller never silence or a lost call: every
turn has something to say or ends the call in an orderly way.
"""

from __future__ import annotations

import asyncio
import json
import os
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.config import ConfigError, example_profile_data, load_settings
from agent.dialogue.engine import DialogueEngine
from agent.dialogue.simulate import load_backend
from agent.dialogue.turn import Turn
from agent.telephony.ari_events import AriEventError, UnknownEvent, parse_event
from agent.telephony.media.audiosocket_codec import (
    AudioSocketProtocolError,
    Decoder,
    Kind,
    encode,
    interpret,
)
from agent.telephony.media.websocket_media import MediaStart, parse_control
from agent.understanding.nlu import NluBackend

#: ``make fuzz`` runs this many times the examples (FUZZ_SCALE); ``make test`` once
SCALE = int(os.environ.get("FUZZ_SCALE", "1"))
FAST = settings(max_examples=300 * SCALE, deadline=None)
BERLIN = ZoneInfo("Europe/Berlin")
EVENTS = [
    "StasisStart", "StasisEnd", "ChannelDtmfReceived", "ChannelHangupRequest",
    "ChannelDestroyed", "ChannelStateChange", "ChannelVarset", "Dial", "PlaybackStarted",
    "PlaybackFinished", "ChannelLeftBridge", "BridgeDestroyed", "ApplicationReplaced",
]  # fmt: skip

# ------------------------------------------------------------------ AudioSocket


@FAST
@given(st.binary(max_size=2000), st.lists(st.integers(1, 400), max_size=20))
def test_audiosocket_bytes_give_messages_or_a_protocol_error(data: bytes, cuts: list[int]) -> None:
    decoder = Decoder()
    pos = 0
    for size in [*cuts, len(data)]:  # TCP splits and joins as it likes
        for msg in decoder.feed(data[pos : pos + size]):
            try:
                interpret(msg)
            except AudioSocketProtocolError as exc:
                assert str(exc)  # says what is wrong
        pos += size
    assert decoder.pending <= len(data)


@FAST
@given(
    st.lists(st.tuples(st.sampled_from(list(Kind)), st.binary(max_size=700)), max_size=8),
    st.integers(1, 64),
)
def test_audiosocket_messages_survive_any_split(
    messages: list[tuple[Kind, bytes]], chunk: int
) -> None:
    wire = b"".join(encode(kind, payload) for kind, payload in messages)
    decoder = Decoder()
    got = [m for i in range(0, len(wire), chunk) for m in decoder.feed(wire[i : i + chunk])]
    assert [(m.kind, m.payload) for m in got] == [(int(k), p) for k, p in messages]
    assert decoder.pending == 0


# ------------------------------------------------------- chan_websocket control


@FAST
@given(st.one_of(st.text(max_size=300), st.builds(json.dumps, st.dictionaries(
    st.text(max_size=12), st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                                    st.text(max_size=20)), max_size=6))))  # fmt: skip
def test_websocket_control_text_gives_a_message_or_value_error(text: str) -> None:
    try:
        msg = parse_control(text)
    except ValueError as exc:
        assert str(exc)
        return
    assert msg.name
    start = MediaStart.from_message(msg)  # a MEDIA_START with any fields
    assert start.optimal_frame_size > 0 and start.ptime_ms > 0


# -------------------------------------------------------------------- ARI events

JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
              st.text(max_size=20)),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=20,
)  # fmt: skip
CHANNELISH = st.fixed_dictionaries(
    {"id": st.text(max_size=20), "name": st.text(max_size=20)},
    optional={"state": st.text(max_size=8), "caller": JSON, "dialplan": JSON},
)


@FAST
@given(
    st.sampled_from([*EVENTS, "SomethingNew"]),
    st.dictionaries(
        st.sampled_from(["channel", "bridge", "digit", "cause", "args", "timestamp",
                         "application", "playback", "peer", "variable", "value"]),
        st.one_of(JSON, CHANNELISH),
        max_size=6,
    ),
)  # fmt: skip
def test_ari_event_objects_give_an_event_or_ari_event_error(
    kind: str, fields: dict[str, Any]
) -> None:
    try:
        event = parse_event({"type": kind, **fields})
    except AriEventError as exc:
        assert kind in str(exc) or "field" in str(exc) or str(exc)
        return
    assert event.type == kind or isinstance(event, UnknownEvent)


@FAST
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300), JSON.map(json.dumps)))
def test_any_websocket_message_gives_an_event_or_ari_event_error(raw: str | bytes) -> None:
    try:
        parse_event(raw)
    except AriEventError as exc:
        assert str(exc)


# ------------------------------------------------------------------ profile YAML


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node[:3]):
            out += _paths(v, (*prefix, i))
    return out


EXAMPLE = example_profile_data()
PATHS = _paths(EXAMPLE)


def _replace(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copy = dict(data) if isinstance(data, dict) else list(data)
    copy[path[0]] = _replace(data[path[0]], path[1:], value)  # type: ignore[index]
    return copy


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(PATHS), JSON), min_size=1, max_size=3))
def test_a_damaged_profile_loads_or_names_what_is_wrong(
    tmp_path_factory: pytest.TempPathFactory, edits: list[tuple[tuple[Any, ...], Any]]
) -> None:
    data = EXAMPLE
    for path, value in edits:
        try:
            data = _replace(data, path, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit took that part away
    profile = tmp_path_factory.mktemp("profile") / "profile.yaml"
    profile.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    try:
        load_settings(profile, env={})
    except ConfigError as exc:
        assert "invalid configuration" in str(exc) or "profile" in str(exc)
        assert "Traceback" not in str(exc)


@FAST
@given(st.binary(max_size=400))
def test_profile_bytes_that_are_not_yaml_give_a_config_error(
    tmp_path_factory: pytest.TempPathFactory, raw: bytes
) -> None:
    profile = tmp_path_factory.mktemp("bytes") / "profile.yaml"
    profile.write_bytes(raw)
    with pytest.raises(ConfigError):
        load_settings(profile, env={})


# --------------------------------------------------- the caller: keys and words

#: what a recogniser or a caller can produce
WORDS = st.one_of(
    st.just(""),
    st.text(max_size=200),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=60),
    st.sampled_from([
        "🔥🔥🔥 Rohr kaputt 💧", "\x00\x07\x1b[31m", "a" * 10_000, "ja " * 3000,
        "Hello, ich brauche einen Termin, please, tomorrow morgen um 10",
        "Servus", "...", "?", "null null null null", "١٢٣ ٤٥٦", "Привет, мне нужен мастер",
        "Notfall? Nein. Doch. Gas! Nein, kein Gas.", "\u202e\u200b\ufeff",
    ]),
)  # fmt: skip
KEYS = st.lists(st.sampled_from([*"0123456789*#ABCD", "", "x", "10", "\x00"]),
                max_size=12)  # fmt: skip


@pytest.fixture(scope="module")
def nlu() -> NluBackend:
    return asyncio.run(load_backend("embedded", load_settings(env={})))


def _sensible(turn: Turn) -> None:
    assert turn.end is not None or any(r.strip() for r in turn.replies), turn
    for reply in turn.replies:
        assert len(reply) < 2000, "a reply no caller can listen to"


def _engine(nlu: NluBackend, hour: int) -> DialogueEngine:
    from agent.actions.calendar import InMemoryCalendar
    from agent.actions.records import InMemoryRecordStore

    settings_ = load_settings(env={})
    now = datetime(2026, 11, 23, hour, 0, tzinfo=BERLIN)
    return DialogueEngine(
        settings_.business, nlu, calendar=InMemoryCalendar(settings_.business, lambda: now),
        records=InMemoryRecordStore(), clock=lambda: now,
    )  # fmt: skip


@settings(max_examples=80 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(st.lists(st.one_of(WORDS, KEYS.map(tuple)), min_size=1, max_size=6),
       st.sampled_from([9, 22]))  # fmt: skip
def test_any_caller_input_gets_a_sensible_turn(
    nlu: NluBackend, inputs: list[str | tuple[str, ...]], hour: int
) -> None:
    async def run() -> None:
        engine = _engine(nlu, hour)
        _sensible(await engine.start())
        for item in inputs:
            if isinstance(item, tuple):
                for key in item:
                    turn = await engine.on_dtmf(key)
                    if turn.end is not None:
                        return
            else:
                turn = await engine.on_text(item)
                _sensible(turn)
                if turn.end is not None:
                    return

    asyncio.run(run())
