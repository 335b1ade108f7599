"""The assistant's voice on one call: one reply at a time, spoken in the background.

A reply is synthesised sentence by sentence and played while the call loop goes on
listening, so the caller can interrupt it. ``stop()`` drops it at once (the media's
queue is flushed; the echo gate learns that nothing more will play), unless the reply
may not be interrupted (the privacy notice): then ``stop()`` waits until it has been
said. The first audio of a reply to the caller records the turn latency.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from agent.domain.call_events import ReplyAudio
from agent.speech.echo import EchoGate
from agent.speech.sentences import speak_stream
from agent.speech.tts import TextToSpeech
from agent.telephony.call import CallContext

log = logging.getLogger(__name__)


class Speaker:
    def __init__(
        self,
        call: CallContext,
        tts: TextToSpeech,
        echo: EchoGate,
        *,
        position: Callable[[], float],
    ) -> None:
        """``position``: the caller audio's position (s), to tell a barge-in that began
        before the reply from one over it."""
        self._call = call
        self._tts = tts
        self._echo = echo
        self._position = position
        self._task: asyncio.Task[None] | None = None
        self.text = ""  # what is (or was last) being said
        self.interruptible = True
        self.started_at_s = 0.0  # caller audio position when it started
        self.finished_at = time.monotonic()  # when the last reply ended (or was stopped)

    @property
    def active(self) -> bool:
        return self._task is not None and not self._task.done()

    def check(self) -> None:
        """A voice that died mid-reply must not leave the caller in silence: raise it, and
        the call controller hands the caller to people."""
        task = self._task
        if task is not None and task.done() and not task.cancelled():
            exc = task.exception()
            if exc is not None:
                raise exc

    def start(
        self, text: str, *, interruptible: bool = True, heard_at: float | None = None
    ) -> None:
        """Speak ``text`` (after ``stop()``); ``heard_at``: when the caller's speech it
        answers ended (time.monotonic()), for the turn latency."""
        assert not self.active, "stop() the reply that is playing first"
        self.text = text
        self.interruptible = interruptible
        self.started_at_s = self._position()
        self._task = asyncio.create_task(self._speak(text, heard_at), name="voice-reply")

    def interrupted_by(self, at_s: float) -> bool:
        """Whether caller speech that began at ``at_s`` (audio s) talks over this reply."""
        return self.active and self.interruptible and at_s >= self.started_at_s

    async def stop(self, *, force: bool = False) -> bool:
        """Stop the reply at once; True if one was cut. A reply that may not be
        interrupted is waited for instead (unless ``force``: the call is over)."""
        task = self._task
        if task is None or task.done():
            return False
        if not self.interruptible and not force:
            await asyncio.wait({task})
            return False
        task.cancel()
        # Asterisk drops the queued audio first; the reply's task stops sending meanwhile
        # (the media session ignores what a flushed play() would still send).
        await self._call.media.flush()
        await asyncio.wait({task})  # not `await task`: a cancel of our caller must go through
        self._echo.stopped()
        self.finished_at = time.monotonic()
        return True

    async def wait(self) -> bool:
        """Until the reply has been played; True if it was played to its end."""
        task = self._task
        if task is None:
            return True
        await asyncio.wait({task})
        return not task.cancelled() and task.exception() is None

    def on_played(self, callback: Callable[[bool], None]) -> None:
        """``callback(True)`` once the current reply was played to its end, else False."""
        task = self._task
        if task is None:
            callback(True)
            return
        task.add_done_callback(lambda t: callback(not t.cancelled() and t.exception() is None))

    async def _speak(self, text: str, heard_at: float | None) -> None:
        language = self._call.info.language
        first = True
        asked = time.monotonic()
        async for pcm in speak_stream(self._tts, text, language):
            self._echo.played(pcm)
            if first and heard_at is not None:
                now = time.monotonic()
                turn_ms = round((now - heard_at) * 1000)
                log.info("reply started", extra={"turn_ms": turn_ms})
                self._call.events.publish(ReplyAudio(turn_ms, round((now - asked) * 1000)))
            first = False
            await self._call.media.play(pcm)
        self.finished_at = time.monotonic()
