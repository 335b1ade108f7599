"""TurnListener with a fake recogniser that implements the real interface."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator

import pytest

from agent.speech.audio import dbfs, silence
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
        return f"{len(self.audio) // 3200} tenths" if self.audio else ""

    async def finish(self) -> Transcript:
        await asyncio.sleep(0)
        return Transcript(f"{len(self.audio)} bytes", 1.0, len(self.audio) / 32000, "fake", "fake")

    async def cancel(self) -> None:
        self.cancelled = True


class FakeRecognizer:
    name = "fake"
    model_name = "fake"

    def __init__(self) -> None:
        self.streams: list[FakeStream] = []

    def stream(self, sample_rate: int = 16000) -> RecognitionStream:
        s = FakeStream(self)
        self.streams.append(s)
        return s


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
        await listener.feed((silence(200) + speech)[i : i + 640])
    assert listener.in_turn
    await listener.close()
    assert fake.streams[0].cancelled and not listener.in_turn


def test_unsupported_rate_is_refused() -> None:
    with pytest.raises(ValueError):
        TurnListener(FakeRecognizer(), sample_rate=48000)
