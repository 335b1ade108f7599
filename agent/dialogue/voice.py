"""The conversation of a call: the dialogue engine, heard and spoken.

Caller audio goes through the turn listener (VAD + recogniser); each finished
turn, each key pressed and each long silence goes to the dialogue engine; its
replies are spoken sentence by sentence. Recognition runs beside the call loop,
never in it: the caller is heard (and can interrupt) while a turn is being
recognised. When the caller starts talking while the assistant speaks
(barge-in), the assistant's audio is dropped at once (``MediaSession.flush``);
the assistant's own voice coming back on the line does not count as the caller
(:class:`agent.speech.echo.EchoGate`). Both sides' words are stored with the
call as events, with the time from the end of the caller's speech to the first
reply audio (``turn_ms``).

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
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from agent.actions.escalation.finish import EscalationEnd
from agent.dialogue.actions import Action
from agent.dialogue.engine import DialogueEngine
from agent.dialogue.turn import Turn
from agent.speech.echo import EchoGate
from agent.speech.sentences import speak_stream
from agent.speech.settings import SttSettings
from agent.speech.stt import SpeechRecognizer
from agent.speech.tts import TextToSpeech
from agent.speech.turns import BargeIn, TurnListener, UserTurn
from agent.telephony.call import CallContext, CallInfo, CallOutcome, ConversationResult
from agent.telephony.media import AudioFrame, DtmfDigit

log = logging.getLogger(__name__)

#: Silence after the assistant finished speaking before the engine is told (reprompt).
SILENCE_S = 7.0
#: Asterisk sends a frame every 20 ms, silence included; a gap this long means the
#: media stalled, which is handled like silence.
MEDIA_STALL_S = 1.0
#: While waiting for the technician: silence before the caller hears that we still wait.
HOLD_REASSURE_S = 15.0

#: Tells the call how an escalation it started ended; True: the caller will hear it.
EscalationListener = Callable[[EscalationEnd], bool]
Act = Callable[[Action, CallInfo, EscalationListener], Awaitable[Any]]


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
    ) -> None:
        """``act`` carries out what the telephony side must do for an action (e.g. an
        emergency for the on-call rota, telling the given listener how it ended);
        bookings and records the engine does itself. ``hold_s``: how long a caller
        waits on the line for the technician (``business.on_call.caller_hold_s``)."""
        self._new_engine = new_engine
        self._act = act
        self._recognizer = recognizer
        self._tts = tts
        self._stt = stt
        self._silence_s = silence_s
        self._hold_s = hold_s

    async def run(self, call: CallContext) -> ConversationResult:
        return await _VoiceCall(self, call).run()


class _VoiceCall:
    """One call's loop: an inbox of what happened (caller audio, keys, finished turns),
    what is speaking now, and when the caller was last heard."""

    def __init__(self, conv: VoiceConversation, call: CallContext) -> None:
        self.conv = conv
        self.call = call
        self.engine = conv._new_engine(call.info)
        self.echo = EchoGate(erl_db=conv._stt.echo_return_loss_db)
        self.listener = TurnListener(conv._recognizer, conv._stt, echo=self.echo)
        self.inbox: asyncio.Queue[object] = asyncio.Queue()
        self.speaking: asyncio.Task[None] | None = None
        self.quiet_since = time.monotonic()
        self.end: Turn | None = None
        self.speech_ended_at: float | None = None  # wall time the caller's last turn ended
        self.background: set[asyncio.Task[None]] = set()
        self.hold_until: float | None = None  # waiting for the technician until then
        self.media_open = True

    async def run(self) -> ConversationResult:
        pumps = [
            asyncio.create_task(self._pump_media(), name="voice-media"),
            asyncio.create_task(self._pump_turns(), name="voice-turns"),
        ]
        try:
            await self.say(await self.engine.start())
            while self.end is None:
                try:
                    item = await asyncio.wait_for(self.inbox.get(), MEDIA_STALL_S)
                except TimeoutError:
                    item = None
                if isinstance(item, _MediaEnded):
                    self.media_open = False
                    return ConversationResult(CallOutcome.CALLER_HANGUP)
                await self.handle(item)
                self.check_speaking()
                if self.hold_until is not None and time.monotonic() > self.hold_until:
                    await self.say(await self.engine.on_escalation_end(False, None))
                elif self.silent_too_long():
                    self.quiet_since = time.monotonic()
                    await self.say(await self.engine.on_silence())
            if self.speaking is not None:
                await self.speaking  # let the last words (goodbye, "ich verbinde") be heard
        finally:
            for pump in pumps:
                pump.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)
            await self.interrupt()
            await self.listener.close()
            await asyncio.gather(*self.background, return_exceptions=True)
        end = self.end
        if end.end == "handover":
            return ConversationResult(CallOutcome.HANDOVER, summary=end.handover_summary)
        return ConversationResult(CallOutcome.COMPLETED)

    async def _pump_media(self) -> None:
        """Caller audio goes to the listener at once (barge-in must not wait for the
        loop); what it hears and the keys go to the inbox."""
        events: AsyncIterator[object] = self.call.media.events()
        async for event in events:
            if isinstance(event, AudioFrame):
                for heard in self.listener.feed(event.pcm):
                    self.inbox.put_nowait(heard)
            elif isinstance(event, DtmfDigit):
                self.inbox.put_nowait(event)
        self.inbox.put_nowait(_MediaEnded())

    async def _pump_turns(self) -> None:
        while True:
            self.inbox.put_nowait(await self.listener.turns.get())

    async def handle(self, item: object) -> None:
        if isinstance(item, BargeIn):
            if self.speaking is not None and not self.speaking.done():
                await self.interrupt()
                await self.call.log_event("barge_in", {"ms": _ms(self.call)})
        elif isinstance(item, UserTurn):
            await self.on_turn(item)
        elif isinstance(item, DtmfDigit):
            await self.interrupt()
            await self.call.log_event("caller_key", {"digit": item.digit})
            self.speech_ended_at = time.monotonic()
            await self.say(await self.engine.on_dtmf(item.digit))
        elif isinstance(item, EscalationEnd):
            await self.call.log_event(
                "escalation_end", {"acknowledged": item.acknowledged, "told": True}
            )
            # the service reports an end only when someone took it or nobody is left
            await self.say(
                await self.engine.on_escalation_end(
                    item.acknowledged, item.person, still_trying=False
                )
            )

    def escalation_ended(self, end: EscalationEnd) -> bool:
        """The escalation this call started has ended; True if the caller will hear it
        (still on the line and waiting), else the escalation service sends an SMS."""
        if not self.media_open or not self.engine.holding:
            return False
        self.inbox.put_nowait(end)
        return True

    def check_speaking(self) -> None:
        """A voice that died mid-reply must not leave the caller in silence: raise, and
        the call controller hands the caller to people."""
        task = self.speaking
        if task is not None and task.done() and not task.cancelled():
            exc = task.exception()
            if exc is not None:
                raise exc

    def silent_too_long(self) -> bool:
        busy = self.listener.busy or (self.speaking is not None and not self.speaking.done())
        limit = HOLD_REASSURE_S if self.hold_until is not None else self.conv._silence_s
        return not busy and time.monotonic() - self.quiet_since > limit

    async def on_turn(self, heard: UserTurn) -> None:
        self.quiet_since = time.monotonic()
        if heard.error is not None:
            raise heard.error  # a dead recogniser: the call controller hands over
        text = heard.text.strip()
        if not text:
            return  # noise the VAD took for speech
        # the caller stopped speaking silence_ms before the end of turn was decided
        self.speech_ended_at = time.monotonic() - heard.latency_s - heard.silence_ms / 1000
        await self.call.log_event(
            "caller_said",
            {
                "text": text,
                "model": heard.transcript.model,
                "stt_ms": round(heard.latency_s * 1000),
                "end_of_turn_ms": heard.silence_ms,
                "early": heard.early,
            },
        )
        await self.say(await self.engine.on_text(text))

    async def say(self, turn: Turn) -> None:
        """Speak the turn's replies (in the background, so the caller can interrupt)."""
        await self.interrupt()
        if turn.hold_for_technician and self.hold_until is None:
            self.hold_until = time.monotonic() + self.conv._hold_s
        elif not turn.hold_for_technician:
            self.hold_until = None
        for action in turn.actions:
            await self.call.log_event("action", {"type": type(action).__name__})
            if self.conv._act is not None:
                await self.conv._act(action, self.call.info, self.escalation_ended)
        if turn.end is not None:
            self.end = turn
        if not turn.replies:
            return
        text = " ".join(turn.replies)
        await self.call.log_event("assistant_said", {"text": text, "ms": _ms(self.call)})
        self.speaking = asyncio.create_task(self._speak(text, self.speech_ended_at))
        self.speech_ended_at = None

    async def _speak(self, text: str, heard_at: float | None) -> None:
        language = self.call.info.language
        first = True
        async for pcm in speak_stream(self.conv._tts, text, language):
            self.echo.played(pcm)
            if first and heard_at is not None:
                self._record_turn_latency(round((time.monotonic() - heard_at) * 1000))
            first = False
            await self.call.media.play(pcm)
        self.quiet_since = time.monotonic()

    def _record_turn_latency(self, turn_ms: int) -> None:
        """Stored with the call without holding up the audio."""
        log.info("reply started", extra={"turn_ms": turn_ms})
        task = asyncio.create_task(self.call.log_event("reply_audio", {"turn_ms": turn_ms}))
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def interrupt(self) -> None:
        task, self.speaking = self.speaking, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await self.call.media.flush()
            self.echo.stopped()


def _ms(call: CallContext) -> int:
    t0 = call.metrics.get("t0")
    return round((time.monotonic() - t0) * 1000) if t0 else -1
