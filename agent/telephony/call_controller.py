"""The telephony side of every call in the Stasis app.

For each caller that enters the app: answer, connect the media (externalMedia +
a mixing bridge), hand the call to the conversation, and afterwards either hang
up, put the caller through to the office with the context (a warm transfer: the
office joins the caller's bridge), or continue the caller in the dialplan (to a
person). Whatever happens, the media channel and the bridge are removed and the
call's record is completed.

No caller is lost: if anything fails, the caller is continued in the dialplan
with ``RUFBEREIT_RESULT=fallback`` and the dialplan rings people instead
(see ``dialplan/extensions_rufbereit.conf``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from agent.config import Settings
from agent.domain.call_events import (
    Answered,
    CallClosed,
    CallEvent,
    CallFailed,
    FellBack,
    HandedOver,
    MediaConnected,
    TransferNotTaken,
    TransferStarted,
    TransferTaken,
)
from agent.storage import CallLog, CallStarted
from agent.telephony.ari_client import AriClient, AriError, AriHttpError
from agent.telephony.ari_events import (
    ChannelDestroyed,
    ChannelHangupRequest,
    StasisEnd,
    StasisStart,
)
from agent.telephony.call import (
    CallContext,
    CallInfo,
    CallOutcome,
    Conversation,
    ConversationResult,
    LiveCall,
)
from agent.telephony.call_stream import CallStream, Reader
from agent.telephony.media import MediaSession
from agent.telephony.media_connector import (
    MEDIA_CHANNEL_PREFIX,
    MediaConnector,
    MediaLeg,
    media_channel_id,
)
from agent.telephony.rescue import BRIDGE_PREFIX, FOREIGN_PREFIXES, RESULT_VAR, in_app

log = logging.getLogger(__name__)


class Transfer(Protocol):
    """Puts a caller through to the office with the context (agent.actions.warm_transfer)."""

    @property
    def active_channels(self) -> frozenset[str]: ...

    def release(self, channel_id: str) -> None: ...

    async def put_through(
        self,
        info: CallInfo,
        media: MediaSession,
        bridge_id: str,
        media_channel: str,
        result: ConversationResult,
    ) -> Transferred | None: ...


@dataclass(frozen=True, slots=True)
class Transferred:
    """``partner``: the office channel now bridged with the caller; None: nobody took
    the call (the caller was told and a call back arranged)."""

    partner: str | None


#: At shutdown, how long a call we were already ending may take to clean up.
STOP_CLEANUP_S = 5.0
#: how long the end of a call waits for its last events to be written
FLUSH_S = 5.0
#: how long a cancelled conversation may take to end, and one that ends by itself
#: (a goodbye, a warm transfer being set up) before the call's end is recorded anyway
TASK_CANCEL_S = 10.0
TASK_FINISH_S = 60.0


@dataclass(slots=True)
class ActiveCall:
    info: CallInfo
    t0: float  # monotonic time of StasisStart
    events: CallStream
    task: asyncio.Task[None] | None = None
    outcome: CallOutcome | None = None
    cause: str | None = None
    leg: MediaLeg | None = None
    bridge_id: str | None = None
    transferring: bool = False  # ringing the office for a warm transfer
    #: The office channel bridged with the caller after a warm transfer.
    partner: str | None = None
    ended: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class CallController:
    def __init__(
        self,
        ari: AriClient,
        connector: MediaConnector,
        call_log: CallLog,
        conversation: Callable[[], Conversation],
        settings: Settings,
        *,
        foreign_channels: Callable[[], frozenset[str]] | None = None,
        transfer: Transfer | None = None,
        readers: Sequence[Reader] = (),
    ) -> None:
        """``foreign_channels``: channels of this app that others own (the escalation's
        calls to technicians); the resync leaves them alone. ``readers``: who reads each
        call's events besides the call log (agent/telephony/call_stream.py)."""
        self._ari = ari
        self._connector = connector
        self._call_log = call_log
        self._new_conversation = conversation
        self._settings = settings
        self._calls: dict[str, ActiveCall] = {}
        self._partners: dict[str, ActiveCall] = {}  # office channel -> the caller's call
        self._foreign = foreign_channels or frozenset
        self._transfer = transfer
        self._readers: list[Reader] = [self._keep, *readers]
        self._end_hooks: list[Callable[[uuid.UUID], None]] = []

    def install(self) -> None:
        self._ari.on(StasisStart, self._on_stasis_start)
        self._ari.on(StasisEnd, self._on_stasis_end)
        self._ari.on(ChannelHangupRequest, self._on_hangup_request)
        self._ari.on(ChannelDestroyed, self._on_destroyed)

    @property
    def active_calls(self) -> int:
        return len(self._calls)

    def on_call_end(self, hook: Callable[[uuid.UUID], None]) -> None:
        """``hook(call_id)`` runs as a call ends, before its last event (``ended``)."""
        self._end_hooks.append(hook)

    # ----------------------------------------------- the office takes over

    def live_calls(self) -> list[LiveCall]:
        """The calls the assistant is talking in now, newest first."""
        live = [c for c in self._calls.values() if _with_assistant(c)]
        live.sort(key=lambda c: c.t0, reverse=True)
        return [
            LiveCall(c.info.call_id, c.info.channel_id, c.bridge_id or "", c.t0, c.events)
            for c in live
        ]

    def take_over(self, call_id: uuid.UUID, partner: str) -> bool:
        """A person who listened is in the caller's bridge now: the assistant leaves (its
        conversation is cancelled, its media released, the bridge kept) and the call goes
        on between the two, as after a warm transfer. False, and nothing changed, when the
        call is no longer the assistant's (ended, ending, being put through)."""
        call = next((c for c in self._calls.values() if c.info.call_id == call_id), None)
        if call is None or not _with_assistant(call) or call.task is None:
            return False
        call.outcome = CallOutcome.TAKEN_OVER
        call.partner = partner
        self._partners[partner] = call
        call.task.cancel()
        return True

    # ----------------------------------------------------------- events

    async def _on_stasis_start(self, event: StasisStart) -> None:
        channel = event.channel
        if channel.id.startswith(MEDIA_CHANNEL_PREFIX):
            return  # our own externalMedia channel; its connector waits for this event
        if event.args and event.args[0] != "inbound":
            return  # another part of the app (e.g. escalation calls) owns it
        if channel.id in self._calls:
            return
        called = event.args[1] if len(event.args) > 1 else channel.dialplan_exten
        info = CallInfo(
            call_id=uuid.uuid4(),
            channel_id=channel.id,
            caller_number=channel.caller_number,
            called_number=called or "",
            language=self._settings.language,
            started_at=channel.creationtime or datetime.now(UTC),
        )
        call = ActiveCall(
            info=info, t0=time.monotonic(), events=CallStream(info.call_id, self._readers)
        )
        self._calls[channel.id] = call
        call.task = asyncio.create_task(self._run(call), name=f"call-{info.call_id}")

    async def _on_hangup_request(self, event: ChannelHangupRequest) -> None:
        call = self._calls.get(event.channel.id)
        if call is not None and event.cause is not None:
            call.cause = str(event.cause)

    async def _on_stasis_end(self, event: StasisEnd) -> None:
        call = self._calls.get(event.channel.id)
        if call is not None:
            await self._caller_left(call)
        await self._partner_left(event.channel.id)

    async def _on_destroyed(self, event: ChannelDestroyed) -> None:
        call = self._calls.get(event.channel.id)
        if call is not None:
            call.cause = f"{event.cause} {event.cause_txt}".strip()
            await self._caller_left(call)
        await self._partner_left(event.channel.id)

    async def _partner_left(self, channel_id: str) -> None:
        """The office hung up after a warm transfer: the caller's call is over too."""
        call = self._partners.pop(channel_id, None)
        if call is not None and not call.ended:
            call.partner = None
            await self._quietly(self._ari.hangup(call.info.channel_id))

    async def _caller_left(self, call: ActiveCall) -> None:
        left_waiting = False
        if call.task is not None and not call.task.done():
            if call.transferring:  # stop ringing the office (a call back is stored)
                left_waiting = True
                call.outcome = CallOutcome.CALLBACK
                call.task.cancel()
            elif call.outcome is None:
                # The caller hung up while the conversation ran: stop it.
                call.outcome = CallOutcome.CALLER_HANGUP
                call.task.cancel()
            # Otherwise we hung up or handed over ourselves: let the task finish.
            cancelled = call.outcome in (CallOutcome.CALLER_HANGUP, CallOutcome.CALLBACK)
            await _ended(call, TASK_CANCEL_S if cancelled else TASK_FINISH_S)
        if left_waiting:
            call.events.publish(TransferNotTaken(reason="caller_hung_up"))
        await self._finish(call)

    # ------------------------------------------------------------- the call

    async def _run(self, call: ActiveCall) -> None:
        info = call.info
        await self._call_log.started(
            CallStarted(
                call_id=info.call_id,
                channel_id=info.channel_id,
                caller_number=info.caller_number,
                called_number=info.called_number,
                started_at=info.started_at,
                language=info.language,
                transport=self._connector.transport,
            )
        )
        log.info(
            "call started",
            extra={"call_id": str(info.call_id), "caller_number": info.caller_number},
        )
        try:
            await self._connect(call)
            context = CallContext(
                info=info, media=_leg(call).session, events=call.events, metrics={"t0": call.t0}
            )
            result = await self._new_conversation().run(context)
            call.outcome = result.outcome
            if result.outcome is CallOutcome.HANDOVER:
                if not await self._put_through(call, context, result):
                    await self._continue(call, "handover", result.summary)
            else:
                await self._quietly(self._ari.hangup(info.channel_id))  # may be gone already
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception(
                "call failed; handing it to the dialplan fallback",
                extra={"call_id": str(info.call_id)},
            )
            call.events.publish(CallFailed(type(exc).__name__, str(exc)[:500]))
            call.outcome = CallOutcome.FALLBACK
            if not await self._continue(call, "fallback", None):
                call.outcome = CallOutcome.FAILED
        finally:
            await self._release_media(call, keep_bridge=call.partner is not None)

    async def _put_through(
        self, call: ActiveCall, context: CallContext, result: ConversationResult
    ) -> bool:
        """A warm transfer; False when there is none to make (the dialplan puts the
        caller through instead)."""
        handover = self._settings.business.handover
        if self._transfer is None or not handover.warm or not result.warm or call.leg is None:
            return False
        assert call.bridge_id is not None
        call.events.publish(TransferStarted(result.reason))
        call.transferring = True
        try:
            done = await self._transfer.put_through(
                call.info, context.media, call.bridge_id, call.leg.channel_id, result
            )
        finally:
            call.transferring = False
        if done is None:
            return False
        if done.partner is not None:
            call.partner = done.partner
            self._partners[done.partner] = call
            call.events.publish(TransferTaken(result.summary))
            return True
        call.outcome = CallOutcome.CALLBACK
        call.events.publish(TransferNotTaken(summary=result.summary))
        await self._quietly(self._ari.hangup(call.info.channel_id))
        return True

    async def _connect(self, call: ActiveCall) -> None:
        info = call.info
        call.bridge_id = f"{BRIDGE_PREFIX}{info.call_id}"
        answer = asyncio.create_task(self._ari.answer(info.channel_id))
        leg = asyncio.create_task(self._connector.connect(info.call_id))
        bridge = asyncio.create_task(self._ari.create_bridge(call.bridge_id, bridge_type="mixing"))
        try:
            await answer
            await self._call_log.answered(info.call_id, datetime.now(UTC))
            call.events.publish(Answered(_ms(call)))
            call.leg = await leg
            await bridge
        except BaseException:
            for task in (answer, leg, bridge):
                task.cancel()
            # A leg that finished connecting must still be released.
            if leg.done() and not leg.cancelled() and leg.exception() is None:
                call.leg = leg.result()
            raise
        await self._ari.add_channel(call.bridge_id, [info.channel_id, call.leg.channel_id])
        call.events.publish(MediaConnected(self._connector.transport, _ms(call)))

    async def _continue(self, call: ActiveCall, result: str, summary: str | None) -> bool:
        """Send the caller on in the dialplan (to people). False if the channel is gone."""
        channel_id = call.info.channel_id
        handover = self._settings.business.handover
        try:
            await self._ari.set_channel_var(channel_id, "RUFBEREIT_FALLBACK_DIAL", handover.office)
            await self._ari.set_channel_var(
                channel_id, "RUFBEREIT_FALLBACK_TIMEOUT", str(handover.ring_timeout_s)
            )
            await self._ari.set_channel_var(channel_id, RESULT_VAR, result)
            if summary:
                await self._ari.set_channel_var(channel_id, "RUFBEREIT_SUMMARY", summary[:200])
            await self._ari.continue_in_dialplan(channel_id)
        except AriHttpError as exc:
            log.warning(
                "could not continue the caller in the dialplan", extra={"status": exc.status}
            )
            return False
        call.events.publish(HandedOver(summary) if result == "handover" else FellBack(summary))
        return True

    async def _release_media(self, call: ActiveCall, *, keep_bridge: bool = False) -> None:
        """Close our media and remove the externalMedia channel and the bridge (unless
        it now joins the caller and the office: it goes when the call ends)."""
        leg, bridge_id = call.leg, call.bridge_id
        call.leg = None
        if not keep_bridge:
            call.bridge_id = None
        if leg is not None:
            with contextlib.suppress(Exception):
                await leg.session.close()
        if bridge_id is not None:  # media was requested (the leg may be half-made)
            await self._quietly(self._ari.hangup(media_channel_id(call.info.call_id)))
        if bridge_id is not None and not keep_bridge:
            await self._quietly(self._ari.destroy_bridge(bridge_id))

    async def _finish(self, call: ActiveCall) -> None:
        if call.ended:
            return
        call.ended = True
        outcome = call.outcome or CallOutcome.CALLER_HANGUP
        for hook in self._end_hooks:
            try:
                hook(call.info.call_id)
            except Exception:
                log.exception("a call end hook failed", extra={"call_id": str(call.info.call_id)})
        call.events.publish(CallClosed(outcome.value, call.cause))
        # The end is recorded before the clean-up, and whatever happens to this task (the
        # agent stopping, the events socket closing under its handler): shielded, so no
        # call record stays open. The call log takes records in any order, so the events
        # still being written need not come first; they are waited for a little below,
        # and finish on their own if that is not enough.
        end = self._call_log.ended(call.info.call_id, datetime.now(UTC), outcome.value, call.cause)
        await asyncio.shield(end)
        log.info("call ended", extra={"call_id": str(call.info.call_id), "outcome": outcome.value})
        self._calls.pop(call.info.channel_id, None)
        partner, call.partner = call.partner, None
        if partner is not None:  # the caller left a warm-transferred call: end it
            self._partners.pop(partner, None)
            await self._quietly(self._ari.hangup(partner))
            if self._transfer is not None:
                self._transfer.release(partner)
        await self._release_media(call)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(call.events.flush()), FLUSH_S)

    # --------------------------------------------------------- resync

    async def resync(self) -> None:
        """After a (re)connect: end calls whose channel vanished meanwhile, and
        send callers we do not know (left by a crashed agent) to the fallback."""
        try:
            channels = await self._ari.list_channels()
        except AriHttpError as exc:
            log.warning("resync: cannot list channels", extra={"status": exc.status})
            return
        present = {c.id for c in channels}
        for call in list(self._calls.values()):
            if call.info.channel_id not in present:
                await self._caller_left(call)
        ours = {c.leg.channel_id for c in self._calls.values() if c.leg} | set(self._calls)
        ours |= self._foreign() | set(self._partners)
        if self._transfer is not None:
            ours |= self._transfer.active_channels
        for channel in channels:
            if channel.id in ours or channel.id.startswith(FOREIGN_PREFIXES):
                continue
            if channel.id.startswith(MEDIA_CHANNEL_PREFIX):
                await self._quietly(self._ari.hangup(channel.id))
            elif in_app(channel, self._settings.ari.app):
                log.warning("resync: caller left behind by an earlier run; sending to fallback")
                with contextlib.suppress(AriHttpError):
                    await self._ari.set_channel_var(channel.id, RESULT_VAR, "fallback")
                    await self._ari.continue_in_dialplan(channel.id)
        await self._remove_stale_bridges()

    async def _remove_stale_bridges(self) -> None:
        """Destroy our bridges that belong to no call (a crashed run's, or one whose
        call was still being cleaned up at shutdown). A bridge left behind keeps the ARI
        app listed in Asterisk although no agent is connected."""
        bridges = {c.bridge_id for c in self._calls.values()}
        others = self._foreign()  # e.g. a phone listening in: its bridge is not stale
        try:
            stale = [
                b.id
                for b in await self._ari.list_bridges()
                if b.id.startswith(BRIDGE_PREFIX)
                and b.id not in bridges
                and not set(b.channels) & others
            ]
        except AriHttpError as exc:
            log.warning("cannot list bridges", extra={"status": exc.status})
            return
        for bridge_id in stale:
            await self._quietly(self._ari.destroy_bridge(bridge_id))

    async def stop(self) -> None:
        """Shutting down: hand every caller in a conversation to the dialplan fallback;
        a call we were already ending (hung up, handed over) finishes as it was."""
        for call in list(self._calls.values()):
            if call.ended:  # its end is being recorded by the event that ended it
                continue
            ending = call.outcome is not None
            if call.task is not None and not call.task.done():
                if ending:  # only its clean-up is left: let it run (a few ARI requests)
                    await asyncio.wait({call.task}, timeout=STOP_CLEANUP_S)
                call.task.cancel()
                await _ended(call, TASK_CANCEL_S)
            if not ending:
                call.outcome = CallOutcome.FALLBACK
                if not await self._continue(call, "fallback", None):
                    call.outcome = CallOutcome.FAILED
            await self._finish(call)
        # a call that was ending as we stopped may not have destroyed its bridge yet
        with contextlib.suppress(AriError):
            await self._remove_stale_bridges()

    # --------------------------------------------------------- helpers

    async def _keep(self, call_id: uuid.UUID, event: CallEvent, at: datetime) -> None:
        """The call log reads every event (database, or the disk spool)."""
        if event.stored:
            await self._call_log.event(call_id, event.kind, event.data(), at)

    @staticmethod
    async def _quietly(op: Any) -> None:
        """Best-effort cleanup: the channel or bridge may already be gone (404)."""
        try:
            await op
        except AriHttpError as exc:
            if exc.status not in (404, 422):
                log.warning("cleanup step failed", extra={"status": exc.status})


async def _ended(call: ActiveCall, within_s: float) -> None:
    """Wait for the call's task to end, but not for ever: a conversation stuck in its
    clean-up (seen under CPU starvation) must not keep the call's record open. The end is
    then recorded anyway; the task is cancelled again and ends when it can."""
    task = call.task
    if task is None or task.done():
        return
    done, _ = await asyncio.wait({task}, timeout=within_s)
    if not done:
        log.warning(
            "call task did not end in time; recording the call's end anyway",
            extra={"call_id": str(call.info.call_id), "timeout_s": within_s},
        )
        task.cancel()


def _with_assistant(call: ActiveCall) -> bool:
    """The assistant is talking with the caller: media up, nothing decided yet."""
    running = call.task is not None and not call.task.done()
    talking = call.leg is not None and call.bridge_id is not None and call.partner is None
    return running and talking and not call.ended and not call.transferring and call.outcome is None


def _leg(call: ActiveCall) -> MediaLeg:
    assert call.leg is not None
    return call.leg


def _ms(call: ActiveCall) -> int:
    return round((time.monotonic() - call.t0) * 1000)
