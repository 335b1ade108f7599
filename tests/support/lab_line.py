"""The caller's side of a lab call that talks: continuous RTP like a real phone.

Silence is sent between sentences (a phone never stops sending), sentences are
sent when asked, and the caller can wait until the assistant has answered and
fallen quiet again. With ``echo_db`` the line also sends back what it hears, that
much quieter and about 0.2 s later: a handset's echo. Used by the voice call tests
and by `make bench`. Audio is 16-bit PCM at the phone's codec rate
(``RtpEndpoint.sample_rate``: 8 kHz for u-law and A-law, 16 kHz for G.722).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Sequence

from agent.speech.audio import SAMPLE_RATE, resample, rms, samples
from agent.speech.espeak import EspeakTts
from agent.speech.piper_tts import PiperTts
from agent.storage import CallEventRow, CallLog, CallRow
from tests.support.phones import RtpEndpoint, dbfs

LOUD_DBFS = -40.0
SILENCE_8K_200MS = bytes(3200)


class Line:
    def __init__(
        self, rtp: RtpEndpoint, *, echo_db: float | None = None, idle_ms: int = 200
    ) -> None:
        """``idle_ms``: the silence between sentences goes out in chunks this long, so a
        sentence starts at most that late (20 for a caller who cuts in at a given moment;
        the echo needs 200)."""
        self.rtp = rtp
        self.rate = rtp.sample_rate
        self._echo_bytes = self.rate * 2 // 5  # 200 ms
        self.silence = bytes(
            self._echo_bytes if echo_db is not None else self.rate * idle_ms // 500
        )
        self.echo_gain = None if echo_db is None else 10 ** (-echo_db / 20)
        self._echoed = 0  # packets already sent back as echo
        self.queue: asyncio.Queue[bytes] = asyncio.Queue()
        self.said_at = 0.0  # when we started the last sentence
        self.speech_ended_at = 0.0  # when its last packet went out
        self._sent = asyncio.Event()

    async def run(self) -> None:
        while True:
            if self.queue.empty():
                await self.rtp.send_pcm(self._echo() or self.silence)
                continue
            pcm = self.queue.get_nowait()
            self.said_at = time.monotonic()
            await self.rtp.send_pcm(pcm)
            self.speech_ended_at = time.monotonic()
            self._sent.set()

    def _echo(self) -> bytes:
        """What arrived since the last call, attenuated, cut to 200 ms ("" without echo)."""
        if self.echo_gain is None:
            return b""
        packets = self.rtp.packets[self._echoed :]
        self._echoed += len(packets)
        heard = b"".join(p.pcm for p in packets)[: self._echo_bytes]
        quieter = (samples(heard) * self.echo_gain).astype("<i2").tobytes()
        return quieter.ljust(self._echo_bytes, b"\0")

    def seconds(self, pcm: bytes) -> float:
        """How long ``pcm`` (16-bit, at the line's rate) takes to say."""
        return len(pcm) / (2 * self.rate)

    async def say(self, pcm: bytes) -> None:
        """Speak ``pcm`` (16-bit, at the line's rate: ``rtp.sample_rate``) and return when
        its last packet is sent."""
        self._sent.clear()
        await self.queue.put(pcm)
        await asyncio.wait_for(self._sent.wait(), self.seconds(pcm) + 5)

    def loud_since(self, since: float) -> list[float]:
        return [
            p.at
            for p in self.rtp.packets
            if p.at > since and p.pcm and dbfs(rms(p.pcm)) > LOUD_DBFS
        ]

    def loud_now(self, within: float = 0.06) -> bool:
        """The assistant is in the middle of a word: the newest packet is loud."""
        packets = self.rtp.packets
        if not packets or time.monotonic() - packets[-1].at > within:
            return False
        return bool(packets[-1].pcm) and dbfs(rms(packets[-1].pcm)) > LOUD_DBFS

    async def first_reply_after(self, since: float, within: float = 30.0) -> float:
        """Arrival time of the first loud packet after the end of our last sentence."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            loud = self.loud_since(max(since, self.speech_ended_at))
            if loud:
                return loud[0]
            await asyncio.sleep(0.02)
        raise AssertionError("the assistant did not answer")

    async def assistant_done(self, quiet_s: float = 1.2, within: float = 30.0) -> None:
        """Wait until the assistant spoke after our last sentence and then fell quiet."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            loud = self.loud_since(self.said_at)
            if loud and time.monotonic() - loud[-1] > quiet_s:
                return
            await asyncio.sleep(0.1)
        raise AssertionError("the assistant did not answer")

    async def talk_over_the_answer(
        self, question: bytes, interruption: bytes, into_s: float
    ) -> tuple[float, float]:
        """After the greeting, ask ``question``; ``into_s`` seconds into the answer, in the
        middle of a word (so a pause is not taken for the stop), say ``interruption``.
        Returns (monotonic, wall-clock) time of the interruption's first packet."""
        await self.assistant_done()  # the greeting, to its end
        await self.say(question)
        await self.first_reply_after(self.said_at)
        await asyncio.sleep(into_s)
        for _ in range(50):
            if self.loud_now():
                break
            await asyncio.sleep(0.005)
        asked, asked_wall = time.monotonic(), time.time()
        await self.say(interruption)
        onset = self.said_at  # its first packet went out
        return onset, asked_wall + (onset - asked)


CallerVoice = Callable[[str], Awaitable[bytes]]


def piper_caller_voice() -> CallerVoice:
    """English sentences as a caller says them into a phone: the Piper test voice at 8 kHz,
    trimmed to the speech (so the end of the last packet is the end of speech), the same
    audio every run (Piper's variation off), so a recognition slip is not left to chance."""
    piper = PiperTts(variation=0.0)

    async def speak(text: str) -> bytes:
        return trimmed(resample(await piper.synthesize(text, "en"), 16000, 8000))

    return speak


def espeak_caller_voice(
    voice: str = "de", rate_wpm: int = 160, sample_rate: int = 8000
) -> CallerVoice:
    """German sentences as a caller says them into a phone: espeak-ng through the project's
    own engine (``voice``: "de", "de+m3", ...; ``rate_wpm`` words a minute), at the phone
    codec's ``sample_rate`` (8000 for u-law and A-law, 16000 for G.722), trimmed to the
    speech. espeak-ng is deterministic: the same audio every run."""
    tts = EspeakTts(voices={"de": voice}, rate_wpm=rate_wpm)

    async def speak(text: str) -> bytes:
        pcm = await tts.synthesize(text, "de")  # 16 kHz
        if sample_rate != SAMPLE_RATE:
            pcm = resample(pcm, SAMPLE_RATE, sample_rate)
        return trimmed(pcm)

    return speak


def trimmed(pcm: bytes, threshold_dbfs: float = -45.0, frame: int = 320) -> bytes:
    """``pcm`` without the quiet before and after the speech (frames of ``frame`` bytes)."""
    loud = [i for i in range(0, len(pcm) - frame + 1, frame)
            if dbfs(rms(pcm[i : i + frame])) > threshold_dbfs]  # fmt: skip
    return pcm[loud[0] : loud[-1] + frame] if loud else pcm


async def converse(
    rtp: RtpEndpoint,
    voices: list[bytes],
    *,
    pause: Callable[[], float] | None = None,
    latencies: list[float] | None = None,
    then: Callable[[Line], Awaitable[None]] | None = None,
) -> None:
    """A caller that waits for the greeting, then says each of ``voices`` after the
    assistant has answered the one before and fallen quiet (and ``pause()`` seconds more:
    a caller thinking); ``latencies`` gets, for each, the time from the end of the speech
    to the first reply audio at the phone; then ``then(line)``."""
    await rtp.wait_for_peer(10)
    line = Line(rtp)
    sender = asyncio.create_task(line.run())
    try:
        await line.assistant_done()  # the greeting
        for pcm in voices:
            if pause is not None:
                await asyncio.sleep(pause())
            await line.say(pcm)
            if latencies is not None:
                first = await line.first_reply_after(line.said_at)
                latencies.append(first - line.speech_ended_at)
            await line.assistant_done()
        if then is not None:
            await then(line)
    finally:
        sender.cancel()


#: what a caller answers: (a regular expression on the assistant's question, the answer)
Answers = Sequence[tuple[str, str]]


def answer_for(words: str, answers: Answers) -> str | None:
    """The answer to the assistant's last question in ``words`` (its last sentence with a
    question mark, else its last sentence): the first of ``answers`` whose pattern is found
    there (case-insensitive); None when none fits (the caller says nothing more)."""
    sentences = [s.strip() for s in re.split(r"(?<=[.?!])\s+", words) if s.strip()]
    questions = [s for s in sentences if s.endswith("?")]
    last = (questions or sentences or [""])[-1]
    for pattern, answer in answers:
        if re.search(pattern, last, re.IGNORECASE):
            return answer
    return None


async def answer_questions(
    rtp: RtpEndpoint,
    voice: CallerVoice,
    first: str,
    answers: Answers,
    last_words: Callable[[], Awaitable[str]],
    *,
    said: list[str] | None = None,
    max_turns: int = 10,
    then: Callable[[Line], Awaitable[None]] | None = None,
) -> None:
    """A caller who listens: waits for the greeting, says ``first``, then after each reply
    answers the assistant's question (``answer_for`` on ``last_words()``, what the
    assistant said since the caller's last turn) until no answer fits or ``max_turns``
    sentences were said; then ``then(line)``. A misheard sentence gets the assistant's
    question again, and so the same answer again, as a real caller would give it.
    ``said`` gets every sentence spoken, in order. The sentences are synthesised while the
    greeting plays. The phone keeps sending (silence) until the call ends, as a phone
    does: place_call cancels this when sipp exits."""
    texts = list(dict.fromkeys([first, *(a for _, a in answers)]))
    await rtp.wait_for_peer(10)
    line = Line(rtp)
    sender = asyncio.create_task(line.run())
    try:
        speech = dict(zip(texts, await asyncio.gather(*(voice(t) for t in texts)), strict=True))
        await line.assistant_done()  # the greeting
        text: str | None = first
        for _ in range(max_turns):
            if text is None:
                break
            if said is not None:
                said.append(text)
            await line.say(speech[text])
            await line.assistant_done()
            text = answer_for(await last_words(), answers)
            if text is None:  # the reply's record may be a moment behind its audio
                await asyncio.sleep(1.0)
                text = answer_for(await last_words(), answers)
        if then is not None:
            await then(line)
        await asyncio.Event().wait()  # on the line until the call ends
    finally:
        sender.cancel()


async def finished_call(
    call_log: CallLog, within: float = 10.0
) -> tuple[CallRow, list[CallEventRow]]:
    """The latest call once its record is complete (a moment after the BYE), with its
    events."""
    deadline = time.monotonic() + within
    while True:
        calls = await call_log.recent_calls(1)
        if (calls and calls[0]["ended_at"] is not None) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)
    assert calls, "no call was recorded"
    return calls[0], await call_log.events(calls[0]["id"])
