"""The caller's side of a lab call that talks: continuous RTP like a real phone.

Silence is sent between sentences (a phone never stops sending), sentences are
sent when asked, and the caller can wait until the assistant has answered and
fallen quiet again. With ``echo_db`` the line also sends back what it hears, that
much quieter and about 0.2 s later: a handset's echo. Used by the voice call tests
and by `make bench`.
"""

from __future__ import annotations

import asyncio
import time

from agent.speech.audio import rms, samples
from tests.support.phones import RtpEndpoint, dbfs

LOUD_DBFS = -40.0
SILENCE_8K_200MS = bytes(3200)


class Line:
    def __init__(self, rtp: RtpEndpoint, *, echo_db: float | None = None) -> None:
        self.rtp = rtp
        self.echo_gain = None if echo_db is None else 10 ** (-echo_db / 20)
        self._echoed = 0  # packets already sent back as echo
        self.queue: asyncio.Queue[bytes] = asyncio.Queue()
        self.said_at = 0.0  # when we started the last sentence
        self.speech_ended_at = 0.0  # when its last packet went out
        self._sent = asyncio.Event()

    async def run(self) -> None:
        while True:
            if self.queue.empty():
                await self.rtp.send_pcm(self._echo() or SILENCE_8K_200MS)
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
        heard = b"".join(p.pcm for p in packets)[: len(SILENCE_8K_200MS)]
        quieter = (samples(heard) * self.echo_gain).astype("<i2").tobytes()
        return quieter.ljust(len(SILENCE_8K_200MS), b"\0")

    async def say(self, pcm: bytes) -> None:
        """Speak ``pcm`` (16-bit 8 kHz) and return when its last packet is sent."""
        self._sent.clear()
        await self.queue.put(pcm)
        await asyncio.wait_for(self._sent.wait(), len(pcm) / 16000 + 5)

    def loud_since(self, since: float) -> list[float]:
        return [
            p.at
            for p in self.rtp.packets
            if p.at > since and p.pcm and dbfs(rms(p.pcm)) > LOUD_DBFS
        ]

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
