"""The listen-in's decisions, against a stand-in for Asterisk's REST side that keeps its
bridges and channels (the real thing: tests/integration/test_listen_in.py).

What must hold whatever happens: the caller stays with the assistant unless the phone
is really in the caller's bridge and the call controller agreed; every listen_started
gets its listen_ended; a phone that may not listen, or a message that makes no sense,
changes nothing for any caller."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import pytest

from agent.domain.call_events import CallEvent
from agent.telephony.ari_client import AriClient, AriHttpError
from agent.telephony.ari_events import (
    Channel,
    ChannelDestroyed,
    ChannelDtmfReceived,
    StasisEnd,
    StasisStart,
)
from agent.telephony.call import LiveCall
from agent.telephony.call_stream import CallStream
from agent.telephony.listen_in import ListenIn, next_call
from agent.telephony.listen_settings import ListenIn as Settings

OFFICE = "PJSIP/201"
SETTINGS = Settings(phones=[OFFICE])


class FakeAri:
    """Bridges and channels as Asterisk keeps them; ``fail`` makes one request fail."""

    def __init__(self) -> None:
        self.bridges: dict[str, set[str]] = {}
        self.channels: set[str] = set()
        self.hung_up: list[tuple[str, str]] = []
        self.fail: dict[str, int] = {}  # method -> HTTP status
        self.handlers: list[tuple[type[Any], Any]] = []

    def on(self, event: type[Any], handler: Any) -> Any:
        self.handlers.append((event, handler))
        return lambda: None

    def expect(self, event: type[Any], *, channel_id: str | None = None) -> Any:
        return _Arrived()

    def _maybe_fail(self, method: str) -> None:
        if method in self.fail:
            raise AriHttpError(self.fail[method], "POST", f"/{method}", "failed")

    async def answer(self, channel_id: str) -> None:
        self._maybe_fail("answer")

    async def snoop(self, channel_id: str, *, snoop_id: str, **kw: Any) -> None:
        self._maybe_fail("snoop")
        self.channels.add(snoop_id)

    async def create_bridge(self, bridge_id: str, bridge_type: str = "mixing") -> None:
        self.bridges[bridge_id] = set()

    async def add_channel(self, bridge_id: str, channel: str) -> None:
        self._maybe_fail("add_channel")
        if bridge_id not in self.bridges:
            raise AriHttpError(404, "POST", "/bridges", "Bridge not found")
        if channel not in self.channels:
            raise AriHttpError(422, "POST", "/bridges", "Channel not in Stasis application")
        self.bridges[bridge_id].add(channel)

    async def remove_channel(self, bridge_id: str, channel: str) -> None:
        self._maybe_fail("remove_channel")
        self.bridges.get(bridge_id, set()).discard(channel)

    async def destroy_bridge(self, bridge_id: str) -> None:
        self.bridges.pop(bridge_id, None)

    async def hangup(self, channel_id: str, reason: str = "normal") -> None:
        self.hung_up.append((channel_id, reason))
        self.channels.discard(channel_id)
        for members in self.bridges.values():
            members.discard(channel_id)


class _Arrived:
    async def wait(self, timeout: float) -> None:  # noqa: ASYNC109 (the Waiter API)
        return None

    def cancel(self) -> None:
        pass


class FakeCalls:
    """The call controller's side: live calls, and whether it agrees to a takeover."""

    def __init__(self, calls: Sequence[LiveCall], agree: bool = True) -> None:
        self.calls = list(calls)
        self.agree = agree
        self.taken: list[tuple[uuid.UUID, str]] = []

    def live_calls(self) -> list[LiveCall]:
        return list(self.calls)

    def take_over(self, call_id: uuid.UUID, partner: str) -> bool:
        if self.agree:
            self.taken.append((call_id, partner))
        return self.agree


def live_call(ari: FakeAri, n: int, seen: list[tuple[uuid.UUID, CallEvent]]) -> LiveCall:
    def reader(call_id: uuid.UUID, event: CallEvent, at: datetime) -> None:
        seen.append((call_id, event))

    call_id = uuid.uuid4()
    caller, bridge = f"caller-{n}", f"rufbereit-{call_id}"
    ari.channels |= {caller, f"rufbereit-media-{n}"}
    ari.bridges[bridge] = {caller, f"rufbereit-media-{n}"}
    return LiveCall(call_id, caller, bridge, float(n), CallStream(call_id, [reader]))


def channel(channel_id: str, name: str) -> Channel:
    return Channel(id=channel_id, name=name, state="Ring", caller_name="Anna Office")


def start(channel_id: str = "phone-1", name: str = "PJSIP/201-00000001") -> StasisStart:
    return StasisStart(
        application="rufbereit", timestamp=None, channel=channel(channel_id, name), args=("listen",)
    )


def key(digit: str, channel_id: str = "phone-1") -> ChannelDtmfReceived:
    return ChannelDtmfReceived(
        application="rufbereit",
        timestamp=None,
        channel=channel(channel_id, "PJSIP/201-00000001"),
        digit=digit,
    )


def kinds(seen: list[tuple[uuid.UUID, CallEvent]]) -> list[str]:
    return [e.kind for _, e in seen]


@pytest.fixture
def lab() -> tuple[FakeAri, list[tuple[uuid.UUID, CallEvent]]]:
    return FakeAri(), []


async def listening(
    ari: FakeAri, calls: FakeCalls, settings: Settings | None = SETTINGS
) -> ListenIn:
    listen = ListenIn(cast(AriClient, ari), calls, settings)
    listen.install()
    ari.channels.add("phone-1")
    await listen._on_start(start())
    return listen


def test_next_call_newest_first_then_round_the_list() -> None:
    a, b, c = (LiveCall(uuid.uuid4(), f"c{i}", f"b{i}", float(i), None) for i in range(3))
    newest_first = [c, b, a]
    assert next_call([], None) is None
    assert next_call(newest_first, None) is c
    assert next_call(newest_first, uuid.uuid4()) is c  # the one heard is over
    assert next_call(newest_first, c.call_id) is b
    assert next_call(newest_first, a.call_id) is c
    assert next_call([a], a.call_id) is None


async def test_the_phone_hears_the_newest_call_through_a_snoop(lab: Any) -> None:
    ari, seen = lab
    older, newer = live_call(ari, 1, seen), live_call(ari, 2, seen)
    listen = await listening(ari, FakeCalls([newer, older]))
    phone_bridge = next(b for b in ari.bridges if b.startswith("rufbereit-listen-"))
    snoop = next(c for c in ari.bridges[phone_bridge] if c.startswith("rufbereit-snoop-"))
    assert ari.bridges[phone_bridge] == {"phone-1", snoop}
    assert ari.bridges[newer.bridge_id] == {"caller-2", "rufbereit-media-2"}  # untouched
    assert listen.active_channels == {"phone-1", snoop}
    started = seen[0]
    assert started[0] == newer.call_id and started[1].data() == {
        "phone": OFFICE,
        "name": "Anna Office",
    }


@pytest.mark.parametrize(
    "settings", [None, Settings(phones=["PJSIP/202"]), Settings(phones=[OFFICE], enabled=False)]
)
async def test_a_phone_that_may_not_listen_is_refused(lab: Any, settings: Settings | None) -> None:
    ari, seen = lab
    call = live_call(ari, 1, seen)
    await listening(ari, FakeCalls([call]), settings)
    assert ari.hung_up == [("phone-1", "rejected")]
    assert seen == [] and not any(b.startswith("rufbereit-listen-") for b in ari.bridges)


async def test_a_channel_that_is_not_a_phone_is_refused(lab: Any) -> None:
    ari, seen = lab
    listen = ListenIn(cast(AriClient, ari), FakeCalls([live_call(ari, 1, seen)]), SETTINGS)
    await listen._on_start(start(name="Local/201@from-internal-00000001;2"))
    await listen._on_start(start(name="nonsense"))
    assert [r for _, r in ari.hung_up] == ["rejected", "rejected"] and seen == []


async def test_without_a_call_the_phone_hears_busy(lab: Any) -> None:
    ari, _ = lab
    await listening(ari, FakeCalls([]))
    assert ari.hung_up == [("phone-1", "busy")]


async def test_the_takeover_key_puts_the_phone_in_the_callers_bridge(lab: Any) -> None:
    ari, seen = lab
    call = live_call(ari, 1, seen)
    calls = FakeCalls([call])
    listen = await listening(ari, calls)
    await listen._on_key(key("5"))  # not a key of ours: nothing
    assert calls.taken == []
    await listen._on_key(key("1"))
    assert calls.taken == [(call.call_id, "phone-1")]
    assert "phone-1" in ari.bridges[call.bridge_id]
    assert not any(b.startswith("rufbereit-listen-") for b in ari.bridges)
    assert not any(c.startswith("rufbereit-snoop-") for c in ari.channels)
    assert kinds(seen) == ["listen_started", "taken_over", "listen_ended"]
    assert seen[-1][1].data() == {"phone": OFFICE, "reason": "taken_over"}
    assert listen.active_channels == frozenset()  # the controller's partner now
    await listen._on_key(key("1"))  # a second press: nothing more
    assert len(calls.taken) == 1


async def test_a_phone_gone_before_it_joins_leaves_the_caller_with_the_assistant(
    lab: Any,
) -> None:
    ari, seen = lab
    call = live_call(ari, 1, seen)
    calls = FakeCalls([call])
    listen = await listening(ari, calls)
    ari.channels.discard("phone-1")  # hung up; its events not here yet
    await listen._on_key(key("1"))
    assert calls.taken == []
    assert ari.bridges[call.bridge_id] == {"caller-1", "rufbereit-media-1"}
    assert "taken_over" not in kinds(seen)
    await listen._on_gone(
        StasisEnd(
            application="rufbereit",
            timestamp=None,
            channel=channel("phone-1", "PJSIP/201-00000001"),
        )
    )
    assert kinds(seen) == ["listen_started", "listen_ended"]
    assert seen[-1][1].data() == {"phone": OFFICE, "reason": "hung_up"}
    assert not any(b.startswith("rufbereit-listen-") for b in ari.bridges)


async def test_a_call_no_longer_the_assistants_is_not_taken(lab: Any) -> None:
    """The controller says no (the caller hung up, a warm transfer began): the phone
    leaves the caller's bridge again and is hung up; the call is as it was."""
    ari, seen = lab
    call = live_call(ari, 1, seen)
    listen = await listening(ari, FakeCalls([call], agree=False))
    await listen._on_key(key("1"))
    assert ari.bridges[call.bridge_id] == {"caller-1", "rufbereit-media-1"}
    assert ("phone-1", "normal") in ari.hung_up
    assert kinds(seen) == ["listen_started", "listen_ended"]
    assert seen[-1][1].data()["reason"] == "failed"


async def test_the_call_ending_hangs_up_the_phone_with_its_reason(lab: Any) -> None:
    ari, seen = lab
    call = live_call(ari, 1, seen)
    listen = await listening(ari, FakeCalls([call]))
    listen.call_ending(uuid.uuid4())  # another call: nothing
    assert kinds(seen) == ["listen_started"]
    listen.call_ending(call.call_id)
    assert kinds(seen) == ["listen_started", "listen_ended"]  # before the call's end
    await asyncio.sleep(0)
    await listen.close()
    assert ("phone-1", "normal") in ari.hung_up
    assert seen[-1][1].data() == {"phone": OFFICE, "reason": "call_ended"}


async def test_a_snoop_that_cannot_be_made_ends_the_listening(lab: Any) -> None:
    ari, seen = lab
    ari.fail["snoop"] = 404  # the caller hung up a moment ago
    await listening(ari, FakeCalls([live_call(ari, 1, seen)]))
    assert kinds(seen) == ["listen_started", "listen_ended"]
    assert seen[-1][1].data()["reason"] == "failed"
    assert ("phone-1", "normal") in ari.hung_up


async def test_events_of_other_channels_change_nothing(lab: Any) -> None:
    ari, seen = lab
    call = live_call(ari, 1, seen)
    listen = await listening(ari, FakeCalls([call]))
    other = channel("someone-else", "PJSIP/202-00000002")
    await listen._on_key(
        ChannelDtmfReceived(application="rufbereit", timestamp=None, channel=other, digit="1")
    )
    await listen._on_gone(
        ChannelDestroyed(application="rufbereit", timestamp=None, channel=other, cause=16)
    )
    await listen._on_start(
        StasisStart(application="rufbereit", timestamp=None, channel=other, args=("inbound", "800"))
    )
    await listen._on_start(
        StasisStart(application="rufbereit", timestamp=None, channel=other, args=())
    )
    assert kinds(seen) == ["listen_started"] and ari.hung_up == []
