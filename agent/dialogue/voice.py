"""The conversation of a call: the dialogue engine, heard and spoken.

Caller audio goes through the turn listener (VAD + recogniser); each finished
turn, each key pressed and each long silence goes to the dialogue engine; its
replies are spoken sentence by sentence. When the caller starts talking while
the assistant speaks (barge-in), the assistant's audio is dropped at once
(``MediaSession.flush``). Both sides' words are stored with the call as events.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from agent.dialogue.actions import Action
from agent.dialogue.engine import DialogueEngine
from agent.dialogue.turn import Turn
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


class VoiceConversation:
    def __init__(
        self,
        new_engine: Callable[[CallInfo], DialogueEngine],
        recognizer: SpeechRecognizer,
        tts: TextToSpeech,
        stt: SttSettings,
        *,
        act: Callable[[Action, CallInfo], Awaitable[None]] | None = None,
        silence_s: float = SILENCE_S,
    ) -> None:
        """``act`` carries out what the telephony side must do for an action (e.g. an
        emergency for the on-call rota); bookings and records the engine does itself."""
        self._new_engine = new_engine
        self._act = act
        self._recognizer = recognizer
        self._tts = tts
        self._stt = stt
        self._silence_s = silence_s

    async def run(self, call: CallContext) -> ConversationResult:
        return await _VoiceCall(self, call).run()


class _VoiceCall:
    """One call's loop; holds what is speaking now and when the caller was last heard."""

    def __init__(self, conv: VoiceConversation, call: CallContext) -> None:
        self.conv = conv
        self.call = call
        self.engine = conv._new_engine(call.info)
        self.listener = TurnListener(conv._recognizer, conv._stt)
        self.speaking: asyncio.Task[None] | None = None
        self.quiet_since = time.monotonic()
        self.end: Turn | None = None

    async def run(self) -> ConversationResult:
        await self.say(await self.engine.start())
        events = self.call.media.events()
        try:
            while self.end is None:
                try:
                    # Asterisk sends a frame every 20 ms, silence included; a gap this
                    # long means the media stalled, which is handled like silence.
                    event = await asyncio.wait_for(anext(events), 1.0)
                except TimeoutError:
                    event = None
                except StopAsyncIteration:
                    return ConversationResult(CallOutcome.CALLER_HANGUP)
                if isinstance(event, AudioFrame):
                    for heard in await self.listener.feed(event.pcm):
                        await self.on_heard(heard)
                elif isinstance(event, DtmfDigit):
                    await self.interrupt()
                    await self.call.log_event("caller_key", {"digit": event.digit})
                    await self.say(await self.engine.on_dtmf(event.digit))
                self.check_speaking()
                if self.silent_too_long():
                    self.quiet_since = time.monotonic()
                    await self.say(await self.engine.on_silence())
            if self.speaking is not None:
                await self.speaking  # let the last words (goodbye, "ich verbinde") be heard
        finally:
            await self.interrupt()
            await self.listener.close()
        end = self.end
        if end.end == "handover":
            return ConversationResult(CallOutcome.HANDOVER, summary=end.handover_summary)
        return ConversationResult(CallOutcome.COMPLETED)

    def check_speaking(self) -> None:
        """A voice that died mid-reply must not leave the caller in silence: raise, and
        the call controller hands the caller to people."""
        task = self.speaking
        if task is not None and task.done() and not task.cancelled():
            exc = task.exception()
            if exc is not None:
                raise exc

    def silent_too_long(self) -> bool:
        busy = self.listener.in_turn or (self.speaking is not None and not self.speaking.done())
        return not busy and time.monotonic() - self.quiet_since > self.conv._silence_s

    async def on_heard(self, heard: object) -> None:
        if isinstance(heard, BargeIn):
            if self.speaking is not None and not self.speaking.done():
                await self.interrupt()
                await self.call.log_event("barge_in", {"ms": _ms(self.call)})
        elif isinstance(heard, UserTurn):
            self.quiet_since = time.monotonic()
            text = heard.text.strip()
            if not text:
                return  # noise the VAD took for speech
            await self.call.log_event(
                "caller_said",
                {
                    "text": text,
                    "model": heard.transcript.model,
                    "stt_ms": round(heard.latency_s * 1000),
                },
            )
            await self.say(await self.engine.on_text(text))

    async def say(self, turn: Turn) -> None:
        """Speak the turn's replies (in the background, so the caller can interrupt)."""
        await self.interrupt()
        for action in turn.actions:
            await self.call.log_event("action", {"type": type(action).__name__})
            if self.conv._act is not None:
                await self.conv._act(action, self.call.info)
        if turn.end is not None:
            self.end = turn
        if not turn.replies:
            return
        text = " ".join(turn.replies)
        await self.call.log_event("assistant_said", {"text": text, "ms": _ms(self.call)})
        self.speaking = asyncio.create_task(self._speak(text))

    async def _speak(self, text: str) -> None:
        language = self.call.info.language
        async for pcm in speak_stream(self.conv._tts, text, language):
            await self.call.media.play(pcm)
        self.quiet_since = time.monotonic()

    async def interrupt(self) -> None:
        task, self.speaking = self.speaking, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await self.call.media.flush()


def _ms(call: CallContext) -> int:
    t0 = call.metrics.get("t0")
    return round((time.monotonic() - t0) * 1000) if t0 else -1
