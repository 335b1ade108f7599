"""Barge-in that ignores the assistant's own voice coming back.

On many lines the caller's side returns some of what it hears: a handset's
acoustic echo or an analogue hybrid, attenuated by the echo return loss (ERL,
usually 20-40 dB for handsets, at least 6 dB for hybrids per G.168) and delayed
by the network. Without care, that echo starts a "caller" turn and the assistant
interrupts itself.

:class:`EchoGate` is a Geigel double-talk detector, the classic telephony rule:
while the assistant is speaking, a caller frame counts as speech only if its
level reaches the loudest frame the assistant played during the echo tail minus
the assumed ERL. Echo is at least ERL quieter than what we played, so it never
passes; a caller talking over the assistant at a normal level does.
Written here because it needs to know what we played and when; no VAD library
takes a far-end reference.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from agent.speech.audio import dbfs

FRAME_S = 0.02
SAMPLE_RATE = 16000
FRAME_BYTES = int(SAMPLE_RATE * FRAME_S) * 2


class EchoGate:
    def __init__(
        self,
        *,
        erl_db: float = 15.0,
        tail_s: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``erl_db``: echo return loss assumed for the line (smaller: stricter);
        ``tail_s``: how long after we played a frame its echo can come back."""
        if erl_db < 0 or tail_s <= 0:
            raise ValueError("erl_db must be >= 0 and tail_s > 0")
        self.erl_db = erl_db
        self.tail_s = tail_s
        self._clock = clock
        self._played: deque[tuple[float, float]] = deque()  # (play time, level dBFS)
        self._until = 0.0  # when what was queued so far will have been played
        self.blocked = 0  # frames held back as possible echo

    def played(self, pcm: bytes) -> None:
        """We queued ``pcm`` (slin16) for the caller; it plays after what is queued."""
        now = self._clock()
        start = max(now, self._until)
        for n, i in enumerate(range(0, len(pcm) - FRAME_BYTES + 1, FRAME_BYTES)):
            self._played.append((start + n * FRAME_S, dbfs(pcm[i : i + FRAME_BYTES])))
        self._until = start + len(pcm) / (2 * SAMPLE_RATE)

    def stopped(self) -> None:
        """The assistant's audio was flushed: nothing more will play."""
        now = self._clock()
        while self._played and self._played[-1][0] > now:
            self._played.pop()
        self._until = now

    def reference_db(self) -> float:
        """The loudest frame we played within the echo tail (-inf: none)."""
        now = self._clock()
        while self._played and self._played[0][0] < now - self.tail_s:
            self._played.popleft()
        levels = [level for at, level in self._played if at <= now]
        return max(levels, default=-math.inf)

    def allows(self, caller_db: float) -> bool:
        """Whether a caller frame at ``caller_db`` can be the caller (not our echo)."""
        ref = self.reference_db()
        if ref == -math.inf or caller_db >= ref - self.erl_db:
            return True
        self.blocked += 1
        return False
