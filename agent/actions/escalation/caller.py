"""The call to a technician: ring their phone through ARI, tell them the emergency,
and take their answer as a key (1: I take it, 2: pass it on).

The phone is originated straight into the Stasis app with the arguments
``oncall,<escalation id>,<attempt>`` (the inbound call controller ignores those). On
answer, the agent's own media path speaks to it: an externalMedia leg (the same
:class:`~agent.telephony.media_connector.MediaConnector` the inbound calls use) and a
mixing bridge. Keys arrive as ARI ``ChannelDtmfReceived`` events; a key cuts the
speech short. Busy / not answered show as ``ChannelDestroyed`` without StasisStart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from agent.speech.tts import TextToSpeech
from agent.telephony.ari_client import AriClient, AriError
from agent.telephony.ari_events import ChannelDestroyed, ChannelDtmfReceived, StasisStart
from agent.telephony.media_connector import MediaConnector, MediaLeg, media_channel_id

from .state import Outcome, Policy
from .texts import Texts

log = logging.getLogger(__name__)

CHANNEL_PREFIX = "rufbereit-oncall-"
BRIDGE_PREFIX = "oncall-bridge-"
APP_ARG = "oncall"
_BUSY_CAUSES = frozenset({17, 21})  # user busy, call rejected
_NO_ANSWER_CAUSES = frozenset({16, 18, 19, 20, 0})


@dataclass(frozen=True, slots=True)
class CallResult:
    outcome: Outcome
    detail: str = ""
    answered: bool = False


def channel_id_for(escalation_id: uuid.UUID, attempt_no: int) -> str:
    return f"{CHANNEL_PREFIX}{escalation_id}-{attempt_no}"


def dial_string(phone: str, trunk_context: str) -> str:
    """``PJSIP/1001`` stays; a number is dialled through the PBX's trunk context."""
    if "/" in phone:
        return phone
    digits = "".join(ch for ch in phone if ch.isdigit() or ch == "+")
    return f"Local/{digits}@{trunk_context}"


class TechnicianCaller:
    def __init__(
        self,
        ari: AriClient,
        connector: MediaConnector,
        tts: TextToSpeech,
        *,
        trunk_context: str = "from-internal",
        caller_id: str | None = None,
        setup_timeout_s: float = 5.0,
    ) -> None:
        self._ari = ari
        self._connector = connector
        self._tts = tts
        self._trunk_context = trunk_context
        self._caller_id = caller_id
        self._setup_timeout = setup_timeout_s
        self._active: set[str] = set()

    @property
    def active_channels(self) -> frozenset[str]:
        """Channels of running technician calls (phones and media legs): the inbound
        call controller's resync must leave them alone."""
        return frozenset(self._active)

    async def call(
        self,
        escalation_id: uuid.UUID,
        attempt_no: int,
        phone: str,
        texts: Texts,
        policy: Policy,
        on_answer: Callable[[], Awaitable[None]] | None = None,
    ) -> CallResult:
        """One attempt, start to end. Never raises for telephony trouble (FAILED)."""
        cid = channel_id_for(escalation_id, attempt_no)
        extra = {"escalation_id": str(escalation_id), "attempt": attempt_no}
        digits: asyncio.Queue[str] = asyncio.Queue()

        def on_dtmf(event: ChannelDtmfReceived) -> None:
            if event.channel.id == cid:
                digits.put_nowait(event.digit)

        unsubscribe = self._ari.on(ChannelDtmfReceived, on_dtmf)
        self._active.add(cid)
        started = self._ari.expect(StasisStart, channel_id=cid)
        destroyed = self._ari.expect(ChannelDestroyed, channel_id=cid)
        speech = asyncio.ensure_future(texts.synthesize(self._tts))
        tasks: list[asyncio.Future[Any]] = [speech]
        try:
            try:
                await self._ari.originate(
                    dial_string(phone, self._trunk_context),
                    app_args=[APP_ARG, str(escalation_id), str(attempt_no)],
                    caller_id=self._caller_id,
                    ring_timeout_s=policy.ring_timeout_s,
                    channel_id=cid,
                )
            except AriError as exc:
                log.warning(
                    "originate to the technician failed", extra={**extra, "error": str(exc)[:200]}
                )
                return CallResult(Outcome.FAILED, f"originate: {exc}"[:200])
            log.info("technician's phone called", extra=extra)
            up = _task(started.wait(policy.ring_timeout_s + 10.0))
            gone = _task(destroyed.wait(policy.ring_timeout_s + 3600.0))
            tasks += [up, gone]
            await asyncio.wait([up, gone], return_when=asyncio.FIRST_COMPLETED)
            if gone.done() and not gone.cancelled() and gone.exception() is None:
                return _not_answered(gone.result())
            if up.exception() is not None:
                return CallResult(Outcome.NO_ANSWER, "no answer in time")
            log.info("technician answered", extra=extra)
            if on_answer is not None:
                await on_answer()
            result = await self._converse(
                cid, escalation_id, attempt_no, speech, digits, gone, policy
            )
            log.info("technician call ended", extra={**extra, "outcome": result.outcome.value})
            return result
        except Exception as exc:
            log.exception("technician call failed", extra=extra)
            return CallResult(Outcome.FAILED, f"{type(exc).__name__}: {exc}"[:200])
        finally:
            unsubscribe()
            self._active.discard(cid)
            started.cancel()
            destroyed.cancel()
            for task in tasks:
                task.cancel()
            await self._quietly(self._ari.hangup(cid))

    async def _converse(
        self,
        cid: str,
        escalation_id: uuid.UUID,
        attempt_no: int,
        speech: asyncio.Future[list[bytes]],
        digits: asyncio.Queue[str],
        gone: asyncio.Future[Any],
        policy: Policy,
    ) -> CallResult:
        bridge_id = f"{BRIDGE_PREFIX}{escalation_id}-{attempt_no}"
        leg: MediaLeg | None = None
        leg_id = uuid.uuid4()
        try:
            self._active.add(media_channel_id(leg_id))
            leg = await self._connector.connect(leg_id)
            await self._ari.create_bridge(bridge_id, bridge_type="mixing")
            await self._ari.add_channel(bridge_id, [cid, leg.channel_id])
            parts = await speech
            session = leg.session

            async def talk() -> None:
                for pcm in parts[:-2]:  # message, prompt, repeat, prompt (not the thanks)
                    await session.play(pcm)
                await asyncio.sleep(policy.answer_timeout_s)

            key = _task(_first_key(digits))
            speaking = _task(talk())
            try:
                await asyncio.wait([key, speaking, gone], return_when=asyncio.FIRST_COMPLETED)
            finally:
                speaking.cancel()
                if not key.done():
                    key.cancel()
            if not key.done() or key.cancelled():
                if gone.done():
                    return CallResult(Outcome.HANGUP, "hung up without a key", answered=True)
                return CallResult(Outcome.NO_ANSWER, "no key pressed", answered=True)
            await session.flush()
            digit = key.result()
            ack = digit == "1"
            with contextlib.suppress(Exception):  # the thanks is a courtesy only
                await asyncio.wait_for(session.play(parts[-2] if ack else parts[-1]), 15.0)
            if ack:
                return CallResult(Outcome.ACKNOWLEDGED, "pressed 1", answered=True)
            return CallResult(Outcome.DECLINED, "pressed 2", answered=True)
        finally:
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


async def _first_key(digits: asyncio.Queue[str]) -> str:
    while True:
        digit = await digits.get()
        if digit in ("1", "2"):
            return digit


def _task(coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
    return asyncio.ensure_future(coro)


def _not_answered(event: ChannelDestroyed) -> CallResult:
    detail = f"cause {event.cause} {event.cause_txt}".strip()
    if event.cause in _BUSY_CAUSES:
        return CallResult(Outcome.BUSY, detail)
    if event.cause in _NO_ANSWER_CAUSES:
        return CallResult(Outcome.NO_ANSWER, detail)
    return CallResult(Outcome.FAILED, detail)
