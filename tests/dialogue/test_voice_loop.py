"""The voice call loop without a lab: real dialogue engine, VAD and turn listener, a
media session and a recogniser that implement the real interfaces.

The caller's "speech" is real speech audio (espeak-ng), so the real VAD hears it; what
the recogniser makes of each turn is scripted. Replies are short tones, played in real
time by the fake media session, so a test runs in a second or two.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import shutil
import struct
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from agent.actions.escalation.finish import EscalationEnd
from agent.dialogue.engine import DialogueEngine
from agent.dialogue.rules_nlu import RulesNlu
from agent.dialogue.voice import EscalationListener, VoiceConversation
from agent.domain import Command, StartEscalation
from agent.domain.call_events import CallEvent
from agent.profile import BusinessProfile
from agent.speech.audio import dbfs, silence
from agent.speech.espeak import EspeakTts
from agent.speech.settings import SttSettings
from agent.speech.stt import RecognitionStream, Transcript
from agent.speech.tts import TtsError
from agent.telephony.call import CallContext, CallInfo, CallOutcome
from agent.telephony.call_stream import CallStream
from agent.telephony.media import AudioFrame, DtmfDigit, MediaEvent
from tests.dialogue.conftest import MONDAY_9, MONDAY_22

#: real time: a conversation takes seconds, so not for `make unit`
pytestmark = pytest.mark.slow

FRAME = 640  # 20 ms of slin16
STT = SttSettings(end_of_turn_ms=300, end_of_turn_max_ms=600, speculate_ms=0)


@pytest.fixture(scope="module")
def speech() -> bytes:
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is missing: apt-get install espeak-ng")
    pcm = asyncio.run(EspeakTts().synthesize("hallo guten tag", "de"))
    loud = [i for i in range(0, len(pcm) - FRAME + 1, FRAME) if dbfs(pcm[i : i + FRAME]) > -45]
    return pcm[loud[0] : loud[-1] + FRAME]


# ------------------------------------------------------------------ the fakes


def tone(seconds: float) -> bytes:
    n = int(seconds * 16000)
    return struct.pack(f"<{n}h", *(int(8000 * math.sin(i / 5)) for i in range(n)))


class ToneTts:
    """A voice that says every sentence as a short tone; remembers what it said."""

    name = "tone"

    def __init__(self, seconds: float = 0.15, broken: bool = False) -> None:
        self.seconds = seconds
        self.broken = broken
        self.said: list[str] = []

    async def synthesize(self, text: str, language: str) -> bytes:
        if self.broken:
            raise TtsError("the voice is gone")
        self.said.append(text)
        return tone(self.seconds)


@dataclass
class FakeMedia:
    """A MediaSession: the test pushes caller audio/keys; play() takes real time."""

    incoming: asyncio.Queue[MediaEvent | None] = field(default_factory=asyncio.Queue)
    played: list[tuple[float, int]] = field(default_factory=list)
    flushes: list[float] = field(default_factory=list)
    closed: bool = False
    _flushed: asyncio.Event = field(default_factory=asyncio.Event)

    async def events(self) -> AsyncIterator[MediaEvent]:
        while (event := await self.incoming.get()) is not None:
            yield event

    async def play(self, pcm: bytes) -> None:
        self.played.append((time.monotonic(), len(pcm)))
        self._flushed.clear()
        with contextlib.suppress(TimeoutError):  # played out, or flushed
            await asyncio.wait_for(self._flushed.wait(), len(pcm) / 32000)

    async def flush(self) -> None:
        self.flushes.append(time.monotonic())
        self._flushed.set()

    async def close(self) -> None:
        self.closed = True

    async def talk(self, pcm: bytes, realtime: bool = True) -> None:
        for i in range(0, len(pcm) - FRAME + 1, FRAME):
            self.incoming.put_nowait(AudioFrame(pcm[i : i + FRAME]))
            if realtime:
                await asyncio.sleep(0.02)

    async def quiet(self, seconds: float) -> None:
        await self.talk(silence(seconds * 1000))


class ScriptedStream:
    def __init__(self, owner: ScriptedRecognizer) -> None:
        self.owner = owner

    def accept(self, pcm: bytes) -> None:
        pass

    def partial(self) -> str:
        return ""

    async def preview(self) -> Transcript:
        return await self.finish()

    async def finish(self) -> Transcript:
        text = self.owner.script.popleft() if self.owner.script else ""
        if isinstance(text, Exception):
            raise text
        return Transcript(text, 1.0, 1.0, "scripted", "scripted")

    async def cancel(self) -> None:
        pass


class ScriptedRecognizer:
    name = "scripted"
    model_name = "scripted"
    streaming = True

    def __init__(self, *script: str | Exception) -> None:
        self.script: deque[str | Exception] = deque(script)

    def stream(self, sample_rate: int = 16000) -> RecognitionStream:
        return ScriptedStream(self)


@dataclass
class Harness:
    media: FakeMedia
    tts: ToneTts
    events: list[tuple[str, dict[str, Any]]]
    task: asyncio.Task[Any]
    escalations: list[tuple[StartEscalation, EscalationListener]]

    def kinds(self) -> list[str]:
        return [k for k, _ in self.events]

    async def until(self, what: Callable[[], bool], within: float = 15.0) -> None:
        deadline = time.monotonic() + within
        while not what():
            if self.task.done():
                self.task.result()
            assert time.monotonic() < deadline, f"timed out; events: {self.events}"
            await asyncio.sleep(0.02)

    async def spoken(self, n: int) -> None:
        """Until ``n`` replies were said and the last one has been played."""
        await self.until(lambda: self.kinds().count("assistant_said") >= n)
        await asyncio.sleep(0.05)
        await self.until(lambda: not self.media.played or time.monotonic() > self.play_end())

    def play_end(self) -> float:
        at, size = self.media.played[-1]
        return at + size / 32000 + 0.05


async def start_call(
    profile: BusinessProfile,
    recognizer: ScriptedRecognizer,
    *,
    now: datetime = MONDAY_9,
    tts: ToneTts | None = None,
    hold_s: float = 90.0,
    silence_s: float = 7.0,
    rating: bool = False,
) -> Harness:
    media = FakeMedia()
    tts = tts or ToneTts()
    events: list[tuple[str, dict[str, Any]]] = []
    escalations: list[tuple[StartEscalation, EscalationListener]] = []

    def new_engine(info: CallInfo) -> DialogueEngine:
        return DialogueEngine(
            profile, RulesNlu(), clock=lambda: now, caller_number="+4915112345678"
        )

    async def act(action: Command, info: CallInfo, listener: EscalationListener) -> None:
        if isinstance(action, StartEscalation):
            escalations.append((action, listener))

    def keep(call_id: uuid.UUID, event: CallEvent, at: datetime) -> None:
        events.append((event.kind, event.data()))

    info = CallInfo(uuid.uuid4(), "chan", "+4915112345678", "800", "de", datetime.now(UTC))
    stream = CallStream(info.call_id, [keep])
    call = CallContext(info, media, stream, {"t0": time.monotonic()})
    conv = VoiceConversation(
        new_engine, recognizer, tts, STT, act=act, hold_s=hold_s, silence_s=silence_s,
        rating=rating,
    )  # fmt: skip
    task = asyncio.create_task(conv.run(call))
    return Harness(media, tts, events, task, escalations)


async def emergency_after_hours(
    profile: BusinessProfile, speech: bytes, hold_s: float = 90.0
) -> Harness:
    """A call after hours that reports a burst pipe and confirms: the rota is started and
    the caller waits on the line."""
    script = ("Bei uns ist ein Rohrbruch im Keller", "Lindwurmstraße 1, München", "ja", "ja")
    h = await start_call(profile, ScriptedRecognizer(*script), now=MONDAY_22, hold_s=hold_s)
    await h.spoken(1)
    for n in range(len(script)):
        await h.media.talk(speech)
        await h.media.quiet(0.5)
        await h.spoken(n + 2)
        if h.escalations:
            return h
    raise AssertionError(f"no escalation started: {h.events}")


# ------------------------------------------------------------------ the tests


async def test_a_question_is_answered_and_the_hangup_ends_the_call(
    profile: BusinessProfile, speech: bytes
) -> None:
    h = await start_call(profile, ScriptedRecognizer("Wie sind Ihre Öffnungszeiten?"))
    await h.spoken(1)  # greeting
    await h.media.talk(speech)
    await h.media.quiet(0.5)
    await h.spoken(2)
    said = [d for k, d in h.events if k == "caller_said"]
    assert said and said[0]["text"] == "Wie sind Ihre Öffnungszeiten?"
    assert any("halb acht" in s for s in h.tts.said), h.tts.said
    latency = [d["turn_ms"] for k, d in h.events if k == "reply_audio"]
    assert latency and 250 <= latency[0] < 2000  # includes the 300 ms end of turn
    h.media.incoming.put_nowait(None)  # the caller hangs up
    result = await asyncio.wait_for(h.task, 5)
    assert result.outcome is CallOutcome.CALLER_HANGUP


async def test_the_caller_rates_the_call_with_a_key_after_goodbye(
    profile: BusinessProfile, speech: bytes
) -> None:
    """With business.caller_rating: after the goodbye, the question; a 4 is kept with the
    call, thanked for, and the call ends as completed."""
    h = await start_call(profile, ScriptedRecognizer("Nein danke, auf Wiederhören."),
                         rating=True)  # fmt: skip
    await h.spoken(1)
    await h.media.talk(speech)
    await h.media.quiet(0.5)
    await h.until(lambda: any("bewerten" in s for s in h.tts.said))
    h.media.incoming.put_nowait(DtmfDigit("4"))
    result = await asyncio.wait_for(h.task, 10)
    assert result.outcome is CallOutcome.COMPLETED
    assert ("caller_rating", {"rating": 4}) in h.events
    assert h.tts.said[-1] == "Danke für Ihre Bewertung."


async def test_no_key_after_the_rating_question_just_ends_the_call(
    profile: BusinessProfile, speech: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("agent.dialogue.voice.RATING_WAIT_S", 0.5)
    h = await start_call(profile, ScriptedRecognizer("Nein danke, auf Wiederhören."),
                         rating=True)  # fmt: skip
    await h.spoken(1)
    await h.media.talk(speech)
    await h.media.quiet(0.5)
    result = await asyncio.wait_for(h.task, 10)
    assert result.outcome is CallOutcome.COMPLETED
    assert "caller_rating" not in h.kinds()
    assert "bewerten" in h.tts.said[-1]


async def test_the_privacy_notice_is_not_talked_over_then_the_caller_is_answered(
    profile: BusinessProfile, speech: bytes
) -> None:
    assert profile.texts.privacy_notice is not None
    h = await start_call(
        profile, ScriptedRecognizer("Wie sind Ihre Öffnungszeiten?"), tts=ToneTts(0.6)
    )
    await h.until(lambda: bool(h.media.played))
    await h.media.talk(speech)  # "Hallo?" over the greeting
    await h.media.quiet(0.5)
    await h.spoken(2)
    assert h.media.flushes == [] and "barge_in" not in h.kinds()
    greeting_end = h.media.played[1][0] + h.media.played[1][1] / 32000
    answer_start = h.media.played[2][0]
    assert answer_start >= greeting_end - 0.05  # the answer came after the whole greeting
    h.task.cancel()


async def test_barge_in_stops_the_reply_and_noise_gets_it_said_again(
    profile: BusinessProfile, speech: bytes
) -> None:
    h = await start_call(
        profile, ScriptedRecognizer("Wie sind Ihre Öffnungszeiten?", ""), tts=ToneTts(1.5)
    )
    await h.spoken(1)
    await h.media.talk(speech)
    await h.media.quiet(0.4)
    await h.until(lambda: h.kinds().count("assistant_said") == 2)
    await asyncio.sleep(0.3)  # the answer is playing

    def answers() -> int:
        return len([t for t in h.tts.said if "halb acht" in t])

    before = answers()
    await h.media.talk(speech)  # a cough: heard as speech, recognised as nothing
    await h.until(lambda: "barge_in" in h.kinds())
    assert h.media.flushes, "the reply was not flushed"
    await h.media.quiet(0.5)
    await h.until(lambda: answers() > before)  # said again from the start
    h.task.cancel()


async def test_a_stale_barge_in_does_not_cut_the_next_reply(
    profile: BusinessProfile, speech: bytes
) -> None:
    """Speech that began before a reply started never stops that reply."""
    h = await start_call(profile, ScriptedRecognizer("Wie sind Ihre Öffnungszeiten?"))
    await h.spoken(1)
    await h.media.talk(speech)
    await h.media.quiet(0.5)
    await h.spoken(2)
    assert "barge_in" not in h.kinds() and h.media.flushes == []
    h.task.cancel()


async def test_keys_work_at_every_prompt(profile: BusinessProfile) -> None:
    h = await start_call(profile, ScriptedRecognizer())
    await h.spoken(1)
    h.media.incoming.put_nowait(DtmfDigit("5"))
    await h.spoken(2)
    assert ("caller_key", {"digit": "5"}) in h.events
    h.task.cancel()


async def test_silence_gets_a_reprompt(profile: BusinessProfile) -> None:
    h = await start_call(profile, ScriptedRecognizer(), silence_s=0.5)
    await h.spoken(1)
    for _ in range(60):
        await h.media.quiet(0.02)
        if h.kinds().count("assistant_said") >= 2:
            break
    assert h.kinds().count("assistant_said") >= 2, h.events
    h.task.cancel()


async def test_a_dead_recogniser_or_voice_reaches_the_call_controller(
    profile: BusinessProfile, speech: bytes
) -> None:
    h = await start_call(profile, ScriptedRecognizer(RuntimeError("model file is corrupt")))
    await h.spoken(1)
    await h.media.talk(speech)
    await h.media.quiet(0.5)
    with pytest.raises(RuntimeError, match="corrupt"):
        await asyncio.wait_for(h.task, 5)  # the controller hands the caller to people

    h = await start_call(profile, ScriptedRecognizer(), tts=ToneTts(broken=True))
    with pytest.raises(TtsError):
        await asyncio.wait_for(h.task, 5)


async def test_the_emergency_caller_waits_and_hears_who_took_it(
    profile: BusinessProfile, speech: bytes
) -> None:
    h = await emergency_after_hours(profile, speech)
    [(request, listener)] = h.escalations
    assert request.emergency.address.startswith("Lindwurmstraße")
    told = listener(EscalationEnd(uuid.uuid4(), acknowledged=True, person="Thomas Huber"))
    assert isinstance(told, asyncio.Future)
    assert await asyncio.wait_for(told, 5) is True  # heard to the end
    result = await asyncio.wait_for(h.task, 5)
    assert result.outcome is CallOutcome.COMPLETED
    assert "Thomas Huber" in h.tts.said[-1] or any("Thomas Huber" in t for t in h.tts.said)
    assert ("escalation_end", {"acknowledged": True, "told": True}) in h.events


async def test_a_caller_gone_before_the_technician_answered_is_not_told(
    profile: BusinessProfile, speech: bytes
) -> None:
    h = await emergency_after_hours(profile, speech)
    [(_, listener)] = h.escalations
    h.task.cancel()  # the controller cancels the conversation when the caller hangs up
    with pytest.raises(asyncio.CancelledError):
        await h.task
    assert listener(EscalationEnd(uuid.uuid4(), acknowledged=True, person="X")) is False


async def test_the_wait_for_the_technician_ends_after_hold_s(
    profile: BusinessProfile, speech: bytes
) -> None:
    h = await emergency_after_hours(profile, speech, hold_s=0.5)
    for _ in range(100):
        if h.task.done():
            break
        await h.media.quiet(0.02)
    result = await asyncio.wait_for(h.task, 5)
    assert result.outcome is CallOutcome.COMPLETED
    assert any("eins eins zwei" in t for t in h.tts.said[-3:]), h.tts.said  # call 112
