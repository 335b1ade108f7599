"""Parallel operation: an office phone listens to the assistant's live call and takes it
over with a key ("KI nimmt ab, Bürokraft hört mit"; the profile's ``business.listen_in``).

How listening starts: an office phone named in ``listen_in.phones`` dials the feature
code the admin routes to the dialplan context ``rufbereit-listen`` (``*88`` in the docs),
which enters ``Stasis(rufbereit,listen)``. A feature code is what PBX admins know
(ChanSpy, call pickup), needs nothing on the phone, and rings nobody who did not ask:
ringing the office at every call of the test week would undo the point of the assistant
taking the calls. Any other phone is refused (403), and so is every phone when the
section is missing or off; with no call to listen to the phone hears busy (486).

Which call: the newest the assistant is talking in (the one that just rang through to
the assistant: the office saw it ring and wants to hear how it goes). The next key
(``*``, as in ChanSpy) goes on to the next older one, round the list.

What the phone hears: a snoop channel on the caller's channel with ``spy=both``, what
the caller says and what the caller hears (the assistant), and ``whisper=none``: the
caller never hears the office. Phone and snoop share a small mixing bridge of their own.

Taking over (``takeover_key``, default 1): the phone joins the caller's bridge first,
and only then does the assistant leave (``CallController.take_over``: its conversation
is cancelled, its media released, the bridge kept; the call goes on as after a warm
transfer, outcome ``taken_over``). If the phone is gone by then, or the call is no longer
the assistant's, nothing changes for the caller. On the call's event stream:
``listen_started`` and ``listen_ended`` (with the reason), ``taken_over`` (who).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from agent.domain.call_events import ListenEnded, ListenStarted, TakenOver
from agent.telephony.ari_client import AriClient, AriError
from agent.telephony.ari_events import (
    ChannelDestroyed,
    ChannelDtmfReceived,
    StasisEnd,
    StasisStart,
)
from agent.telephony.call import LiveCall
from agent.telephony.listen_settings import ListenIn as ListenInSettings
from agent.telephony.listen_settings import phone_of_channel

log = logging.getLogger(__name__)

APP_ARG = "listen"  # Stasis(rufbereit,listen) in the dialplan's rufbereit-listen
SNOOP_ARG = "listen-snoop"
SNOOP_PREFIX = "rufbereit-snoop-"  # agent/telephony/rescue.py: FOREIGN_PREFIXES
BRIDGE_PREFIX = "rufbereit-listen-"
#: how long a new snoop channel may take to reach the app
SNOOP_START_S = 5.0


class LiveCalls(Protocol):
    """The calls the assistant is talking in (agent/telephony/call_controller.py)."""

    def live_calls(self) -> list[LiveCall]: ...

    def take_over(self, call_id: uuid.UUID, partner: str) -> bool: ...


@dataclass(slots=True, eq=False)
class Listener:
    """One office phone listening: its channel, its bridge, and the call it hears."""

    channel_id: str
    phone: str  # endpoint, PJSIP/201
    name: str  # its caller ID name
    bridge_id: str
    call: LiveCall | None = None
    snoop_id: str | None = None
    gone: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def next_call(calls: Sequence[LiveCall], current: uuid.UUID | None) -> LiveCall | None:
    """``calls`` newest first. Not listening to one of them: the newest; else the next
    older one, round the list; None when there is no other."""
    if not calls:
        return None
    ids = [c.call_id for c in calls]
    if current not in ids:
        return calls[0]
    following = calls[(ids.index(current) + 1) % len(calls)]
    return None if following.call_id == current else following


class ListenIn:
    def __init__(self, ari: AriClient, calls: LiveCalls, settings: ListenInSettings | None) -> None:
        self._ari = ari
        self._calls = calls
        self._settings = settings
        self._listeners: dict[str, Listener] = {}  # the phone's channel -> its listener
        self._tasks: set[asyncio.Task[None]] = set()

    def install(self) -> None:
        """Always installed: without ``listen_in`` it refuses the phones (a channel left
        in Stasis would hear silence for ever)."""
        self._ari.on(StasisStart, self._on_start)
        self._ari.on(ChannelDtmfReceived, self._on_key)
        self._ari.on(StasisEnd, self._on_gone)
        self._ari.on(ChannelDestroyed, self._on_gone)

    @property
    def active_channels(self) -> frozenset[str]:
        """The listening phones and their snoops: the call controller's resync and its
        sweep of stale bridges leave them alone."""
        snoops = {x.snoop_id for x in self._listeners.values() if x.snoop_id}
        return frozenset(self._listeners) | snoops

    # ----------------------------------------------------------------- events

    async def _on_start(self, event: StasisStart) -> None:
        if not event.args or event.args[0] != APP_ARG:
            return
        channel = event.channel
        phone = phone_of_channel(channel.name)
        if self._settings is None or phone is None or not self._settings.allows(phone):
            log.warning(
                "listen-in refused: the phone may not listen",
                extra={"phone": phone or "unknown", "configured": self._settings is not None},
            )
            await _quietly(self._ari.hangup(channel.id, reason="rejected"))
            return
        calls = self._calls.live_calls()
        if not calls:
            log.info("listen-in: no assistant call to listen to", extra={"phone": phone})
            await _quietly(self._ari.hangup(channel.id, reason="busy"))
            return
        listener = Listener(
            channel.id, phone, channel.caller_name, f"{BRIDGE_PREFIX}{uuid.uuid4()}"
        )
        self._listeners[channel.id] = listener
        async with listener.lock:
            try:
                await self._ari.answer(channel.id)
                await self._ari.create_bridge(listener.bridge_id, bridge_type="mixing")
                await self._ari.add_channel(listener.bridge_id, channel.id)
            except AriError as exc:
                log.warning(
                    "listen-in: could not connect the phone",
                    extra={"phone": phone, "error": str(exc)[:200]},
                )
                await self._end(listener, "failed")
                return
            if not await self._listen(listener, calls[0]):
                await self._end(listener, "failed")

    async def _on_key(self, event: ChannelDtmfReceived) -> None:
        listener = self._listeners.get(event.channel.id)
        if listener is None or self._settings is None:
            return
        async with listener.lock:
            if listener.gone or self._listeners.get(listener.channel_id) is not listener:
                return
            if event.digit == self._settings.takeover_key:
                await self._take_over(listener)
            elif event.digit == self._settings.next_key:
                await self._next(listener)

    async def _on_gone(self, event: StasisEnd | ChannelDestroyed) -> None:
        """The phone hung up (or left the app): the call it listened to goes on."""
        listener = self._listeners.pop(event.channel.id, None)
        if listener is None:
            return  # not a listening phone (a snoop ends with its call: see call_ending)
        listener.gone = True
        snoop = self._stop(listener, "hung_up")
        await self._release(listener, snoop)

    def call_ending(self, call_id: uuid.UUID) -> None:
        """The call controller's hook (before the call's last event): the phones that
        listened to this call are hung up (the call they heard is over)."""
        for listener in list(self._listeners.values()):
            if listener.call is not None and listener.call.call_id == call_id:
                self._stop(listener, "call_ended")
                self._spawn(self._end(listener, "call_ended"))

    async def close(self) -> None:
        """The agent stops: every listening phone is hung up."""
        for listener in list(self._listeners.values()):
            await self._end(listener, "stopped")
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # ---------------------------------------------------------------- actions

    async def _listen(self, listener: Listener, call: LiveCall) -> bool:
        """Snoop on the caller's channel and put the snoop into the phone's bridge."""
        snoop_id = f"{SNOOP_PREFIX}{uuid.uuid4()}"
        extra = {"call_id": str(call.call_id), "phone": listener.phone}
        listener.call, listener.snoop_id = call, snoop_id  # call_ending sees it from now
        call.events.publish(ListenStarted(listener.phone, listener.name))
        started = self._ari.expect(StasisStart, channel_id=snoop_id)
        try:
            await self._ari.snoop(
                call.channel_id,
                snoop_id=snoop_id,
                spy="both",
                whisper="none",
                app_args=[SNOOP_ARG, str(call.call_id)],
            )
            await started.wait(SNOOP_START_S)
            await self._ari.add_channel(listener.bridge_id, snoop_id)
        except (AriError, TimeoutError) as exc:
            log.warning(
                "listen-in: could not listen to the call", extra={**extra, "error": str(exc)[:200]}
            )
            await _quietly(self._ari.hangup(self._stop(listener, "failed") or snoop_id))
            return False
        finally:
            started.cancel()
        if listener.call is not call or listener.gone:  # the call or the phone ended meanwhile
            await _quietly(self._ari.hangup(snoop_id))
            return False
        log.info("listen-in: an office phone listens", extra=extra)
        return True

    async def _next(self, listener: Listener) -> None:
        current = listener.call.call_id if listener.call is not None else None
        following = next_call(self._calls.live_calls(), current)
        if following is None:
            return  # the only call: the phone stays on it
        await self._release(listener, self._stop(listener, "next"), keep_bridge=True)
        if not await self._listen(listener, following):
            await self._end(listener, "failed")

    async def _take_over(self, listener: Listener) -> None:
        call = listener.call
        if call is None:
            return
        extra = {"call_id": str(call.call_id), "phone": listener.phone}
        # the phone joins the caller first: should that fail, the assistant stays
        try:
            await self._ari.remove_channel(listener.bridge_id, listener.channel_id)
            await self._ari.add_channel(call.bridge_id, listener.channel_id)
        except AriError as exc:
            log.warning(
                "listen-in: the phone could not join the caller; the assistant stays",
                extra={**extra, "error": str(exc)[:200]},
            )
            if not listener.gone:  # back to listening, if it can
                await _quietly(self._ari.add_channel(listener.bridge_id, listener.channel_id))
            return
        if (
            listener.gone
            or listener.call is not call
            or not self._calls.take_over(call.call_id, listener.channel_id)
        ):
            # the phone hung up meanwhile, or the call is no longer the assistant's
            log.warning("listen-in: the call could not be taken over", extra=extra)
            await _quietly(self._ari.remove_channel(call.bridge_id, listener.channel_id))
            if not listener.gone:
                await self._end(listener, "call_ended" if listener.call is None else "failed")
            return
        # the controller owns the phone's channel now (the caller's partner)
        self._listeners.pop(listener.channel_id, None)
        call.events.publish(TakenOver(listener.phone, listener.name))
        snoop = self._stop(listener, "taken_over")
        log.info("listen-in: the office took the call over", extra=extra)
        await self._release(listener, snoop)

    # ---------------------------------------------------------------- helpers

    def _stop(self, listener: Listener, reason: str) -> str | None:
        """Stop listening (recorded on the call); returns the snoop to hang up."""
        call, snoop = listener.call, listener.snoop_id
        listener.call, listener.snoop_id = None, None
        if call is not None:
            call.events.publish(ListenEnded(listener.phone, reason))
            log.info(
                "listen-in ended",
                extra={"call_id": str(call.call_id), "phone": listener.phone, "reason": reason},
            )
        return snoop

    async def _release(
        self, listener: Listener, snoop: str | None, *, keep_bridge: bool = False
    ) -> None:
        if snoop is not None:
            await _quietly(self._ari.hangup(snoop))
        if not keep_bridge:
            await _quietly(self._ari.destroy_bridge(listener.bridge_id))

    async def _end(self, listener: Listener, reason: str) -> None:
        """Stop listening and hang up the phone."""
        self._listeners.pop(listener.channel_id, None)
        await self._release(listener, self._stop(listener, reason))
        await _quietly(self._ari.hangup(listener.channel_id))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


async def _quietly(op: Coroutine[Any, Any, object]) -> None:
    """Best-effort: the channel or bridge may be gone already, or Asterisk unreachable."""
    with contextlib.suppress(AriError):
        await op
