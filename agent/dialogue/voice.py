"""The conversation of a call: the dialogue engine, heard and spoken.

Caller audio goes through the turn listener (VAD + recogniser); each finished
turn, each key pressed and each long silence goes to the dialogue engine; its
replies are spoken (:class:`~agent.dialogue.speaker.Speaker`) while the caller
is still heard. Recognition runs beside the call loop, never in it. When the
caller starts talking over the assistant (barge-in), the reply is dropped at once;
if what interrupted it was only noise (an empty turn), the reply is said again.
The assistant's own voice coming back on the line never counts as the caller
(:class:`agent.speech.echo.EchoGate`). Both sides' words are stored with the call
as events (without holding up the conversation), with the time from the end of
the caller's speech to the first reply audio (``reply_audio.turn_ms``).

After an emergency is passed to the on-call rota, the caller may wait on the line
(``Turn.hold_for_technician``): the escalation's end (a technician pressed 1, or
nobody took it) comes into the inbox and the engine tells the caller; after
``hold_s`` the engine tells them that we keep trying.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from agent.actions.escalation.finish import EscalationEnd
from agent.dialogue.engine import DialogueEngine
from agent.dialogue.prompts import phrase, say
from agent.dialogue.speaker import Speaker
from agent.dialogue.turn import Turn
from agent.domain import Command, Handover
from agent.domain.call_events import (
    ActionTaken,
    AssistantSaid,
    BargedIn,
    CallerKey,
    CallerRated,
    CallerSaid,
    EscalationEnded,
)
from agent.domain.commands import record_kind
from agent.speech.echo import EchoGate
from agent.speech.settings import SttSettings
from agent.speech.stt import SpeechRecognizer
from agent.speech.tts import TextToSpeech
from agent.speech.turns import BargeIn, TurnListener, UserTurn
from agent.telephony.call import CallContext, CallInfo, CallOutcome, ConversationResult
from agent.telephony.media import AudioFrame, DtmfDigit

log = logging.getLogger(__name__)

#: Silence after the assistant finished speaking before the engine is told (reprompt).
SILENCE_S = 7.0
#: how long the end of the conversation waits for its events to be written
FLUSH_S = 5.0
#: how long the caller has to press a key for the rating
RATING_WAIT_S = 6.0
#: How often the loop looks at the clock when nothing happens (silence, hold timeout).
TICK_S = 0.25
#: While waiting for the technician: silence before the caller hears that we still wait.
HOLD_REASSURE_S = 15.0

#: Tells the call how an escalation it started ended; resolves True once the caller
#: has heard it (the escalation service then sends no SMS to the caller).
EscalationListener = Callable[[EscalationEnd], "bool | asyncio.Future[bool]"]
Act = Callable[[Command, CallInfo, EscalationListener], Awaitable[Any]]


class _MediaEnded:
    """The caller's media closed (hang-up)."""


class VoiceConversation:
    def __init__(
        self,
        new_engine: Callable[[CallInfo], DialogueEngine],
        recognizer: SpeechRecognizer,
        tts: TextToSpeech,
        stt: SttSettings,
        *,
        act: Act | None = None,
        silence_s: float = SILENCE_S,
        hold_s: float = 90.0,
        rating: bool = False,
    ) -> None:
        """``act`` carries out what the telephony side must do for an action (e.g. an
        emergency for the on-call rota, telling the given listener how it ended);
        bookings and records the engine does itself. ``hold_s``: how long a caller
        waits on the line for the technician (``business.on_call.caller_hold_s``).
        ``rating``: after a call the assistant ended, the caller may rate it with a key
        (``business.caller_rating``)."""
        self._new_engine = new_engine
        self._act = act
        self._recognizer = recognizer
        self._tts = tts
        self._stt = stt
        self._silence_s = silence_s
        self._hold_s = hold_s
        self._rating = rating

    async def run(self, call: CallContext) -> ConversationResult:
        return await _VoiceCall(self, call).run()


class _VoiceCall:
    """One call's loop: an inbox of what happened (what the listener heard, keys,
    finished turns, an escalation's end), the dialogue engine, and the speaker."""

    def __init__(self, conv: VoiceConversation, call: CallContext) -> None:
        self.conv = conv
        self.call = call
        self.engine = conv._new_engine(call.info)
        echo = self.echo = EchoGate(erl_db=conv._stt.echo_return_loss_db)
        gate = echo if conv._stt.echo_gate else None
        self.listener = TurnListener(conv._recognizer, conv._stt, echo=gate)
        self.speaker = Speaker(call, conv._tts, echo, position=lambda: self.listener.vad.position_s)
        self.publish = call.events.publish
        self.inbox: asyncio.Queue[object] = asyncio.Queue()
        self.end: Turn | None = None
        self.interrupted: str | None = None  # the reply the last barge-in cut
        self.cut_text: list[str] = []  # a long turn cut at max_turn_s, the caller still talking
        self.hold_until: float | None = None  # waiting for the technician until then
        self.media_open = True
        self.told: list[asyncio.Future[bool]] = []  # escalation ends the caller is hearing
        self.prompted_at = time.monotonic()  # the last reprompt for silence

    async def run(self) -> ConversationResult:
        pumps = [
            asyncio.create_task(self._pump_media(), name="voice-media"),
            asyncio.create_task(self._pump_turns(), name="voice-turns"),
        ]
        try:
            await self.say(await self.engine.start())
            while self.end is None:
                try:
                    item = await asyncio.wait_for(self.inbox.get(), TICK_S)
                except TimeoutError:
                    item = None
                if isinstance(item, _MediaEnded):
                    return ConversationResult(CallOutcome.CALLER_HANGUP)
                if isinstance(item, Exception):
                    raise item  # the media reader failed: the controller hands over
                await self.handle(item)
                self.speaker.check()
                if self.idle() and self.hold_until is not None:
                    if time.monotonic() > self.hold_until:
                        await self.say(await self.engine.on_escalation_end(False, None))
                    elif self.quiet_for() > HOLD_REASSURE_S:
                        self.prompted_at = time.monotonic()
                        await self.say(await self.engine.on_silence())
                elif self.idle() and self.quiet_for() > self.conv._silence_s:
                    self.prompted_at = time.monotonic()
                    await self.say(await self.engine.on_silence())
            await self.speaker.wait()  # the last words (goodbye, "ich verbinde") are heard
            if self.conv._rating and self.end.end == "hangup":
                await self._ask_rating()
        finally:
            self.media_open = False
            for pump in pumps:
                pump.cancel()
            await asyncio.wait(pumps)
            await self.speaker.stop(force=True)
            await self.listener.close()
            for told in self.told:
                if not told.done():
                    told.set_result(False)
            # what happened is kept before the call ends, as far as it can be in a moment
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self.call.events.flush()), FLUSH_S)
        end = self.end
        if end.end == "handover":
            return self.handover(end)
        return ConversationResult(CallOutcome.COMPLETED)

    def handover(self, end: Turn) -> ConversationResult:
        """Put through, with what a person needs to know (for the warm transfer)."""
        engine = self.engine
        reason = next((a.reason for a in end.actions if isinstance(a, Handover)), None)
        office = engine.ctx.profile.language  # the office reads it in its own language
        labels = {"caller": phrase("label_caller", office),
                  "assistant": phrase("label_assistant", office)}  # fmt: skip
        said = tuple(f"{labels.get(who, who)}: {text}" for who, text in engine.state.history)
        return ConversationResult(
            CallOutcome.HANDOVER,
            summary=end.handover_summary,
            warm=True,
            reason=reason,
            caller_name=engine.ctx.known.get("name"),
            transcript=said,
        )

    # -- what comes in ------------------------------------------------------------------

    async def _pump_media(self) -> None:
        """Caller audio goes to the listener as it comes; what it hears and the keys go
        to the inbox. A failure reaches the loop instead of leaving the call deaf."""
        try:
            async for event in self.call.media.events():
                if isinstance(event, AudioFrame):
                    for heard in self.listener.feed(event.pcm):
                        self.inbox.put_nowait(heard)
                elif isinstance(event, DtmfDigit):
                    self.inbox.put_nowait(event)
        except Exception as exc:
            self.inbox.put_nowait(exc)
            return
        self.inbox.put_nowait(_MediaEnded())

    async def _pump_turns(self) -> None:
        while True:
            self.inbox.put_nowait(await self.listener.turns.get())

    async def handle(self, item: object) -> None:
        if isinstance(item, BargeIn):
            if self.speaker.interrupted_by(item.at_s):
                text = self.speaker.text
                # how long after the caller began the assistant stopped (audio time)
                detect_ms = round((self.listener.vad.position_s - item.at_s) * 1000)
                if await self.speaker.stop():
                    self.interrupted = text
                    learnt = self.echo.learnt_erl_db
                    loss = None if learnt is None else round(learnt)
                    self.publish(BargedIn(_ms(self.call), detect_ms, loss))
        elif isinstance(item, UserTurn):
            await self.on_turn(item)
        elif isinstance(item, DtmfDigit):
            await self.speaker.stop()
            self.publish(CallerKey(item.digit))
            await self.say(await self.engine.on_dtmf(item.digit), heard_at=time.monotonic())
        elif isinstance(item, EscalationEnd):
            # the service reports an end only when someone took it or nobody is left
            turn = await self.engine.on_escalation_end(
                item.acknowledged, item.person, still_trying=False
            )
            self.publish(EscalationEnded(item.acknowledged, told=True))
            await self.say(turn)
            told = self.told[-1] if self.told else None
            if told is not None and not told.done():
                self.speaker.on_played(lambda heard: _resolve(told, heard))

    async def on_turn(self, heard: UserTurn) -> None:
        if heard.error is not None:
            raise heard.error  # a dead recogniser: the call controller hands over
        self.prompted_at = time.monotonic()  # the caller made a sound: no reprompt yet
        text = heard.text.strip()
        if heard.cut and self.listener.in_turn and text:
            self.cut_text.append(text)  # the caller is still talking: answer it all later
            return
        text = " ".join([*self.cut_text, text]).strip()
        self.cut_text.clear()
        if not text:
            # noise; if it cut a reply short, say that reply again
            again, self.interrupted = self.interrupted, None
            if again and not self.speaker.active:
                self.speaker.start(again)
            return
        self.interrupted = None
        self.publish(
            CallerSaid(
                text,
                heard.transcript.model,
                stt_ms=round(heard.latency_s * 1000),
                end_of_turn_ms=heard.silence_ms,
                early=heard.early,
            )
        )
        await self.say(await self.engine.on_text(text), heard_at=heard.speech_ended_at)

    def escalation_ended(self, end: EscalationEnd) -> bool | asyncio.Future[bool]:
        """The escalation this call started has ended. False if the caller cannot hear
        it (gone, or no longer waiting: the escalation service sends an SMS); else a
        future that becomes True once the caller has heard it to the end."""
        if not self.media_open or not self.engine.holding:
            return False
        told: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.told.append(told)
        self.inbox.put_nowait(end)
        return told

    async def _ask_rating(self) -> None:
        """One key from 1 to 5 within RATING_WAIT_S after the question; anything else
        (speech, another key, silence) ends the call without a rating."""
        language = self.call.info.language
        self.speaker.start(say("rating_ask", language))
        await self.speaker.wait()
        deadline = time.monotonic() + RATING_WAIT_S
        while (left := deadline - time.monotonic()) > 0:
            try:
                item = await asyncio.wait_for(self.inbox.get(), left)
            except TimeoutError:
                return
            if isinstance(item, _MediaEnded | Exception):
                return
            if isinstance(item, DtmfDigit):
                if item.digit in ("1", "2", "3", "4", "5"):
                    self.publish(CallerRated(int(item.digit)))
                    self.speaker.start(say("rating_thanks", language))
                    await self.speaker.wait()
                return

    # -- what goes out ------------------------------------------------------------------

    async def say(self, turn: Turn, heard_at: float | None = None) -> None:
        """Carry out the turn's actions and speak its replies (in the background, so the
        caller can interrupt); ``heard_at``: when the caller's speech it answers ended."""
        self.speaker.check()  # a voice that died is not hidden by the next reply
        await self.speaker.stop()
        if turn.hold_for_technician and self.hold_until is None:
            self.hold_until = time.monotonic() + self.conv._hold_s
        elif not turn.hold_for_technician:
            self.hold_until = None
        for action in turn.actions:
            if self.conv._act is not None:
                # an emergency passed on must reach the rota even if the caller hangs up now
                await asyncio.shield(self.conv._act(action, self.call.info, self.escalation_ended))
            self.publish(ActionTaken(type(action).__name__, record_kind(action)))
        if turn.end is not None:
            self.end = turn
        if not turn.replies:
            return
        text = " ".join(turn.replies)
        self.publish(AssistantSaid(text, _ms(self.call)))
        self.speaker.start(text, interruptible=turn.interruptible, heard_at=heard_at)

    # -- helpers ------------------------------------------------------------------------

    def idle(self) -> bool:
        """Nobody is speaking and no turn is being recognised."""
        return not self.listener.busy and not self.speaker.active

    def quiet_for(self) -> float:
        """Since the assistant last spoke, the caller last said something, or the last
        reprompt."""
        return time.monotonic() - max(self.speaker.finished_at, self.prompted_at)


def _resolve(future: asyncio.Future[bool], value: bool) -> None:
    if not future.done():
        future.set_result(value)


def _ms(call: CallContext) -> int:
    t0 = call.metrics.get("t0")
    return round((time.monotonic() - t0) * 1000) if t0 else -1
