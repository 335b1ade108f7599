"""TurnListener with a fake recogniser that implements the real interface."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator

import numpy as np
import pytest

from agent.speech import smart_turn
from agent.speech.audio import dbfs, silence
from agent.speech.echo import EchoGate
from agent.speech.espeak import EspeakTts
from agent.speech.settings import SttSettings
from agent.speech.stt import RecognitionStream, SpeechRecognizer, Transcript
from agent.speech.turns import BargeIn, PartialTranscript, TurnListener, UserTurn


class FakeStream:
    def __init__(self, owner: FakeRecognizer) -> None:
        self.owner = owner
        self.audio = bytearray()
        self.cancelled = False

    def accept(self, pcm: bytes) -> None:
        self.audio += pcm

    def partial(self) -> str:
        if self.owner.words is not None:
            return self.owner.words if self.audio else ""
        return f"{len(self.audio) // 3200} tenths" if self.audio else ""

    async def preview(self) -> Transcript:
        self.owner.previews += 1
        await asyncio.sleep(self.owner.delay_s)
        return self._transcript()

    async def finish(self) -> Transcript:
        self.owner.finishes += 1
        await asyncio.sleep(self.owner.delay_s)
        return self._transcript()

    def _transcript(self) -> Transcript:
        text = self.owner.words or f"{len(self.audio)} bytes"
        return Transcript(text, 1.0, len(self.audio) / 32000, "fake", "fake")

    async def cancel(self) -> None:
        self.cancelled = True


class FakeRecognizer:
    name = "fake"
    model_name = "fake"

    def __init__(
        self, *, streaming: bool = True, words: str | None = None, delay_s: float = 0.0
    ) -> None:
        self.streaming = streaming
        self.words = words  # what every turn "says" (None: its length)
        self.delay_s = delay_s  # how long preview() and finish() take
        self.streams: list[FakeStream] = []
        self.previews = 0
        self.finishes = 0

    def stream(self, sample_rate: int = 16000) -> RecognitionStream:
        s = FakeStream(self)
        self.streams.append(s)
        return s


@pytest.fixture(autouse=True)
def _no_smart_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about the VAD and the word rules: the same whether or not a
    smart-turn model is installed here (tests/speech/test_smart_turn.py tests it)."""
    monkeypatch.setattr(smart_turn, "shared", lambda settings: None)


@pytest.fixture(scope="module")
def speech() -> bytes:
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is missing: apt-get install espeak-ng")
    pcm = asyncio.run(EspeakTts().synthesize("please book an appointment", "en"))
    loud = [i for i in range(0, len(pcm) - 639, 640) if dbfs(pcm[i : i + 640]) > -45]
    return pcm[loud[0] : loud[-1] + 640]


async def _frames(pcm: bytes) -> AsyncIterator[bytes]:
    for i in range(0, len(pcm), 640):
        yield pcm[i : i + 640]
        await asyncio.sleep(0)  # like a real call: the loop runs between frames


async def test_one_turn_with_pre_roll(speech: bytes) -> None:
    fake = FakeRecognizer()
    assert isinstance(fake, SpeechRecognizer)
    settings = SttSettings(pre_roll_ms=300, speech_start_ms=80, end_of_turn_ms=400)
    listener = TurnListener(fake, settings)
    events = [e async for e in listener.events(_frames(silence(1000) + speech + silence(1000)))]
    assert isinstance(events[0], BargeIn) and isinstance(events[-1], UserTurn)
    assert any(isinstance(e, PartialTranscript) for e in events)
    assert [type(e) for e in events].count(UserTurn) == 1
    turn = events[-1]
    assert turn.started_at == pytest.approx(1.0, abs=0.06)
    assert turn.ended_at - turn.started_at == pytest.approx(len(speech) / 32000, abs=0.1)
    # The stream got the pre-roll, the speech and the end-of-turn silence, nothing later.
    fed = len(fake.streams[0].audio) / 32000
    assert fed == pytest.approx(0.3 + len(speech) / 32000 + 0.4, abs=0.1)


async def test_long_turns_are_cut_and_go_on(speech: bytes) -> None:
    fake = FakeRecognizer()
    listener = TurnListener(fake, SttSettings(max_turn_s=1.0))
    events = [e async for e in listener.events(_frames(silence(300) + speech * 3))]
    turns = [e for e in events if isinstance(e, UserTurn)]
    assert len(turns) >= 2 and turns[0].cut
    assert [type(e) for e in events].count(BargeIn) == 1


async def test_close_cancels_an_open_turn(speech: bytes) -> None:
    fake = FakeRecognizer()
    listener = TurnListener(fake)
    for i in range(0, 32000, 640):
        listener.feed((silence(200) + speech)[i : i + 640])
    assert listener.in_turn
    await listener.close()
    assert fake.streams[0].cancelled and not listener.in_turn


def test_unsupported_rate_is_refused() -> None:
    with pytest.raises(ValueError):
        TurnListener(FakeRecognizer(), sample_rate=48000)


async def _events(listener: TurnListener, pcm: bytes) -> list[object]:
    return [e async for e in listener.events(_frames(pcm))]


def _turns(events: list[object]) -> list[UserTurn]:
    return [e for e in events if isinstance(e, UserTurn)]


FAST = SttSettings(end_of_turn_ms=300, end_of_turn_max_ms=1000, speculate_ms=150)


async def test_unfinished_words_wait_for_the_longer_silence(speech: bytes) -> None:
    """A pause after 'am' is not the end of the turn; after 'bitte' it is."""
    audio = silence(300) + speech + silence(600) + speech + silence(1200)
    unfinished = FakeRecognizer(words="ich hätte gern einen termin am")
    assert len(_turns(await _events(TurnListener(unfinished, FAST), audio))) == 1
    finished = FakeRecognizer(words="einen termin bitte")
    assert len(_turns(await _events(TurnListener(finished, FAST), audio))) == 2


async def test_a_recogniser_that_does_not_stream_starts_during_the_silence(
    speech: bytes,
) -> None:
    whisper_like = FakeRecognizer(streaming=False, words="Please book it.")
    [turn] = _turns(await _events(TurnListener(whisper_like, FAST), speech + silence(800)))
    assert turn.early and turn.text == "Please book it."
    assert (whisper_like.previews, whisper_like.finishes) == (1, 0)
    assert turn.silence_ms == pytest.approx(300, abs=40)


async def test_speech_after_the_early_start_makes_it_stale(speech: bytes) -> None:
    """A 200 ms pause starts recognition early; the caller goes on, so the turn's
    transcript is the one made after the real end (it covers both parts)."""
    whisper_like = FakeRecognizer(streaming=False)
    audio = speech + silence(200) + speech + silence(800)
    [turn] = _turns(await _events(TurnListener(whisper_like, FAST), audio))
    assert whisper_like.previews == 2
    heard = int(turn.text.split()[0]) / 32000
    assert heard >= 2 * len(speech) / 32000


async def test_the_early_start_can_be_switched_off(speech: bytes) -> None:
    whisper_like = FakeRecognizer(streaming=False, words="yes")
    settings = SttSettings(end_of_turn_ms=300, speculate_ms=0)
    [turn] = _turns(await _events(TurnListener(whisper_like, settings), speech + silence(800)))
    assert not turn.early and (whisper_like.previews, whisper_like.finishes) == (0, 1)


async def test_the_caller_is_heard_while_a_turn_is_recognised(speech: bytes) -> None:
    """feed() never waits for the recogniser: the caller's next words start a barge-in
    while the last turn is still being recognised, and turns arrive in order."""
    slow = FakeRecognizer(delay_s=0.5)
    listener = TurnListener(slow, FAST)
    events: list[object] = []
    for i in range(0, len(speech + silence(400)), 640):
        events += listener.feed((speech + silence(400))[i : i + 640])
    assert listener.busy and not listener.in_turn and listener.turns.empty()
    for i in range(0, len(speech), 640):
        events += listener.feed(speech[i : i + 640])
    assert [type(e) for e in events if isinstance(e, BargeIn)] == [BargeIn, BargeIn]
    assert listener.turns.empty()  # the first turn is still being recognised
    for _ in range(30):
        listener.feed(silence(20))
    first = await asyncio.wait_for(listener.turns.get(), 2)
    second = await asyncio.wait_for(listener.turns.get(), 2)
    assert first.started_at < second.started_at
    await listener.close()


async def test_a_failing_recogniser_gives_a_turn_with_the_error(speech: bytes) -> None:
    class Broken(FakeRecognizer):
        def stream(self, sample_rate: int = 16000) -> RecognitionStream:
            s = super().stream(sample_rate)

            async def fail() -> Transcript:
                raise RuntimeError("model file is corrupt")

            s.finish = fail  # type: ignore[method-assign]
            return s

    [turn] = _turns(await _events(TurnListener(Broken(), FAST), speech + silence(800)))
    assert turn.text == "" and isinstance(turn.error, RuntimeError)


async def test_the_assistants_echo_does_not_barge_in(speech: bytes) -> None:
    """What we play comes back 20 dB quieter and 100 ms later: no turn. The caller
    talking over it at their own level: a barge-in."""
    now = [0.0]
    gate = EchoGate(erl_db=15, clock=lambda: now[0])
    listener = TurnListener(FakeRecognizer(), FAST, echo=gate)
    prompt = speech * 2
    gate.played(prompt)
    echo = silence(100) + _attenuate(prompt, 20)

    def feed(pcm: bytes) -> list[object]:
        out: list[object] = []
        for i in range(0, len(pcm) - 639, 640):
            out += listener.feed(pcm[i : i + 640])
            now[0] += 0.02
        return out

    assert feed(echo) == [] and gate.blocked > 10
    gate.played(prompt)
    mixed = _mix(_attenuate(prompt, 20), silence(300) + speech)
    assert any(isinstance(e, BargeIn) for e in feed(mixed))
    await listener.close()


def _attenuate(pcm: bytes, db: float) -> bytes:
    x = np.frombuffer(pcm, dtype="<i2").astype(np.float64) * 10 ** (-db / 20)
    return x.astype("<i2").tobytes()


def _mix(a: bytes, b: bytes) -> bytes:
    n = max(len(a), len(b)) // 2
    x = np.zeros(n)
    x[: len(a) // 2] += np.frombuffer(a, dtype="<i2")
    x[: len(b) // 2] += np.frombuffer(b, dtype="<i2")
    return np.clip(x, -32768, 32767).astype("<i2").tobytes()
