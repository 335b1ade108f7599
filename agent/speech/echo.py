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

The gate learns the line: while the assistant speaks, it keeps how much quieter than
what was played the caller's side stays (the 10th percentile of the last seconds, so a
word from the caller does not count). A line without echo (most VoIP phones) opens
the gate, so a soft-spoken "Moment" barges in at once; a line with strong echo makes
it stricter than assumed. ``erl_db`` is the assumption until a second of the
assistant's speech has been heard back (the greeting, usually).
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
LEARN_S = 3.0  # how much recent playback the learnt echo return loss is taken from
LEARN_MIN_FRAMES = 50  # a second of playback before the learnt value is used
MARGIN_DB = 6.0  # echo may come back this much louder than the learnt loss
LEARNT_RANGE_DB = (3.0, 40.0)
SILENT_DBFS = -90.0  # what a frame of digital silence counts as
QUIET_DBFS = -50.0  # what we play below this leaves no echo worth holding back


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
        self._losses: deque[float] = deque(maxlen=round(LEARN_S / FRAME_S))
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
        """The loudest frame we played within the echo tail (-inf: none, or only pauses
        too quiet to echo)."""
        now = self._clock()
        while self._played and self._played[0][0] < now - self.tail_s:
            self._played.popleft()
        levels = [level for at, level in self._played if at <= now and level > QUIET_DBFS]
        return max(levels, default=-math.inf)

    @property
    def learnt_erl_db(self) -> float | None:
        """The echo return loss measured on this line (None: not heard enough yet)."""
        if len(self._losses) < LEARN_MIN_FRAMES:
            return None
        ordered = sorted(self._losses)
        return ordered[len(ordered) // 10]

    def effective_erl_db(self) -> float:
        learnt = self.learnt_erl_db
        if learnt is None:
            return self.erl_db
        low, high = LEARNT_RANGE_DB
        return min(high, max(low, learnt - MARGIN_DB))

    def allows(self, caller_db: float) -> bool:
        """Whether a caller frame at ``caller_db`` can be the caller (not our echo).
        Call it for every caller frame: the quiet ones teach it the line's echo."""
        ref = self.reference_db()
        if ref == -math.inf:
            return True
        erl = self.effective_erl_db()
        self._losses.append(ref - max(caller_db, SILENT_DBFS))
        if caller_db >= ref - erl:
            return True
        self.blocked += 1
        return False
