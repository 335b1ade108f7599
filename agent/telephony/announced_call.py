"""A call that rings a person, tells them something and takes their answer as a key:
1 (yes, I take it) or 2 (no). The on-call technician is called this way about an
emergency, and the office about a caller the assistant puts through (warm transfer).

The phone is originated straight into the Stasis app with the caller's own
arguments (``oncall,...``, ``handover,...``: the inbound call controller ignores
those). On answer, the agent's own media path speaks to it: an externalMedia leg (the same
:class:`~agent.telephony.media_connector.MediaConnector` the inbound calls use) and a
mixing bridge. Keys arrive as ARI ``ChannelDtmfReceived`` events; a key cuts the speech
short. Busy / not answered show as ``ChannelDestroyed`` without StasisStart. With
``keep``, a person who pressed 1 stays on the line (for the caller to be bridged in).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Literal

from agent.telephony.ari_client import AriClient, AriError
from agent.telephony.ari_events import ChannelDestroyed, ChannelDtmfReceived, StasisStart
from agent.telephony.media import MediaSession
from agent.telephony.media_connector import MediaConnector, MediaLeg, media_channel_id

log = logging.getLogger(__name__)

_BUSY_CAUSES = frozenset({17, 21})  # user busy, call rejected
_NO_ANSWER_CAUSES = frozenset({16, 18, 19, 20, 0})

Reached = Literal["accepted", "declined", "no_key", "hung_up", "busy", "no_answer", "failed"]


@dataclass(frozen=True, slots=True)
class Announcement:
    """What the person hears: ``parts`` in order (message, prompt, message again,
    prompt), then ``accepted`` after 1 or ``declined`` after 2."""

    parts: list[bytes]
    accepted: bytes
    declined: bytes


@dataclass(frozen=True, slots=True)
class CallAnswer:
    reached: Reached
    detail: str = ""
    answered: bool = False
    #: The person's channel, still up: only with ``keep`` and ``reached == "accepted"``.
    channel_id: str | None = None


@dataclass(frozen=True, slots=True)
class Ring:
    """How long to ring, and how long to wait for a key after the last prompt."""

    ring_timeout_s: float = 30.0
    answer_timeout_s: float = 20.0


def dial_string(phone: str, trunk_context: str) -> str:
    """``PJSIP/1001`` stays; a number is dialled through the PBX's trunk context."""
    if "/" in phone:
        return phone
    digits = "".join(ch for ch in phone if ch.isdigit() or ch == "+")
    return f"Local/{digits}@{trunk_context}"


class AnnouncedCall:
    def __init__(
        self,
        ari: AriClient,
        connector: MediaConnector,
        *,
        channel_prefix: str,
        trunk_context: str = "from-internal",
        caller_id: str | None = None,
    ) -> None:
        self._ari = ari
        self._connector = connector
        self._prefix = channel_prefix
        self._trunk_context = trunk_context
        self._caller_id = caller_id
        self._active: set[str] = set()

    @property
    def active_channels(self) -> frozenset[str]:
        """Channels of running calls (phones and media legs): the inbound call
        controller's resync must leave them alone."""
        return frozenset(self._active)

    def channel_id(self, key: str) -> str:
        return f"{self._prefix}{key}"

    async def call(
        self,
        key: str,
        phone: str,
        speech: Awaitable[Announcement],
        ring: Ring,
        *,
        app_args: list[str],
        on_answer: Callable[[], Awaitable[None]] | None = None,
        keep: bool = False,
    ) -> CallAnswer:
        """One call, start to end. Never raises for telephony trouble ("failed")."""
        cid = self.channel_id(key)
        extra = {"call": cid}
        digits: asyncio.Queue[str] = asyncio.Queue()

        def on_dtmf(event: ChannelDtmfReceived) -> None:
            if event.channel.id == cid:
                digits.put_nowait(event.digit)

        unsubscribe = self._ari.on(ChannelDtmfReceived, on_dtmf)
        self._active.add(cid)
        started = self._ari.expect(StasisStart, channel_id=cid)
        destroyed = self._ari.expect(ChannelDestroyed, channel_id=cid)
        spoken = asyncio.ensure_future(speech)
        tasks: list[asyncio.Future[Any]] = [spoken]
        kept = False
        try:
            try:
                await self._ari.originate(
                    dial_string(phone, self._trunk_context),
                    app_args=app_args,
                    caller_id=self._caller_id,
                    ring_timeout_s=int(ring.ring_timeout_s),
                    channel_id=cid,
                )
            except AriError as exc:
                log.warning("originate failed", extra={**extra, "error": str(exc)[:200]})
                return CallAnswer("failed", f"originate: {exc}"[:200])
            up = _task(started.wait(ring.ring_timeout_s + 10.0))
            gone = _task(destroyed.wait(ring.ring_timeout_s + 3600.0))
            tasks += [up, gone]
            await asyncio.wait([up, gone], return_when=asyncio.FIRST_COMPLETED)
            if gone.done() and not gone.cancelled() and gone.exception() is None:
                return _not_answered(gone.result())
            if up.exception() is not None:
                return CallAnswer("no_answer", "no answer in time")
            if on_answer is not None:
                await on_answer()
            answer = await self._converse(cid, key, spoken, digits, gone, ring)
            if keep and answer.reached == "accepted" and not gone.done():
                kept = True
                return CallAnswer("accepted", answer.detail, True, channel_id=cid)
            return answer
        except Exception as exc:
            log.exception("announced call failed", extra=extra)
            return CallAnswer("failed", f"{type(exc).__name__}: {exc}"[:200])
        finally:
            unsubscribe()
            started.cancel()
            destroyed.cancel()
            for task in tasks:
                task.cancel()
            if not kept:
                self._active.discard(cid)
                await self._quietly(self._ari.hangup(cid))

    def release(self, channel_id: str) -> None:
        """A kept channel is no longer ours to protect (its call has ended)."""
        self._active.discard(channel_id)

    async def _converse(
        self,
        cid: str,
        key: str,
        speech: asyncio.Future[Announcement],
        digits: asyncio.Queue[str],
        gone: asyncio.Future[Any],
        ring: Ring,
    ) -> CallAnswer:
        bridge_id = f"{self._prefix}bridge-{key}"
        leg: MediaLeg | None = None
        draining: asyncio.Task[None] | None = None
        leg_id = uuid.uuid4()
        try:
            self._active.add(media_channel_id(leg_id))
            leg = await self._connector.connect(leg_id)
            # what the person says is not listened to (keys come as ARI events): read it
            # anyway, or the leg's buffer fills and drops "caller audio" with a warning
            draining = _task(_drain(leg.session))
            await self._ari.create_bridge(bridge_id, bridge_type="mixing")
            await self._ari.add_channel(bridge_id, [cid, leg.channel_id])
            said = await speech
            session = leg.session

            async def talk() -> None:
                for pcm in said.parts:
                    await session.play(pcm)
                await asyncio.sleep(ring.answer_timeout_s)

            pressed = _task(_first_key(digits))
            speaking = _task(talk())
            try:
                await asyncio.wait([pressed, speaking, gone], return_when=asyncio.FIRST_COMPLETED)
            finally:
                speaking.cancel()
                if not pressed.done():
                    pressed.cancel()
            if not pressed.done() or pressed.cancelled():
                if gone.done():
                    return CallAnswer("hung_up", "hung up without a key", answered=True)
                return CallAnswer("no_key", "no key pressed", answered=True)
            await session.flush()
            accepted = pressed.result() == "1"
            with contextlib.suppress(Exception):  # the thanks is a courtesy only
                await asyncio.wait_for(session.play(said.accepted if accepted else said.declined),
                                       15.0)  # fmt: skip
            if accepted:
                return CallAnswer("accepted", "pressed 1", answered=True)
            return CallAnswer("declined", "pressed 2", answered=True)
        finally:
            if draining is not None:
                draining.cancel()
            if leg is not None:
                with contextlib.suppress(Exception):
                    await leg.session.close()
                await self._quietly(self._ari.hangup(leg.channel_id))
            self._active.discard(media_channel_id(leg_id))
            await self._quietly(self._ari.destroy_bridge(bridge_id))

    @staticmethod
    async def _quietly(op: Coroutine[Any, Any, object]) -> None:
        # already gone (404) or Asterisk unreachable: nothing left to clean
        with contextlib.suppress(AriError):
            await op


async def _drain(session: MediaSession) -> None:
    """Read and drop the leg's incoming audio until it closes (or this is cancelled)."""
    with contextlib.suppress(Exception):  # nothing here is needed: never fail the call
        async for _ in session.events():
            pass


async def _first_key(digits: asyncio.Queue[str]) -> str:
    while True:
        digit = await digits.get()
        if digit in ("1", "2"):
            return digit


def _task(coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
    return asyncio.ensure_future(coro)


def _not_answered(event: ChannelDestroyed) -> CallAnswer:
    detail = f"cause {event.cause} {event.cause_txt}".strip()
    if event.cause in _BUSY_CAUSES:
        return CallAnswer("busy", detail)
    if event.cause in _NO_ANSWER_CAUSES:
        return CallAnswer("no_answer", detail)
    return CallAnswer("failed", detail)
