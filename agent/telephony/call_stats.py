"""Counts of what happened in calls, read from the calls' event streams.

A reader of every call's stream (agent/telephony/call_stream.py): how many calls were
answered, handed to people or fell back, how many times callers were answered and
talked over the assistant, and how long callers waited for the first audio of a reply
(over the last :data:`WINDOW` replies). The agent's health line carries these figures;
a metrics endpoint or the report can read the same object.
"""

from __future__ import annotations

import statistics
import uuid
from collections import Counter, deque
from datetime import datetime

from agent.domain.call_events import CallerRated, CallEvent, ReplyAudio

WINDOW = 500


class CallStats:
    def __init__(self) -> None:
        self.kinds: Counter[str] = Counter()
        self._turn_ms: deque[int] = deque(maxlen=WINDOW)
        self._ratings: list[int] = []

    def __call__(self, call_id: uuid.UUID, event: CallEvent, at: datetime) -> None:
        self.kinds[event.kind] += 1
        if isinstance(event, ReplyAudio):
            self._turn_ms.append(event.turn_ms)
        elif isinstance(event, CallerRated):
            self._ratings.append(event.rating)

    def snapshot(self) -> dict[str, int]:
        turns = sorted(self._turn_ms)
        out = {
            "answered": self.kinds["answered"],
            "caller_turns": self.kinds["caller_said"],
            "barge_ins": self.kinds["barge_in"],
            "transfers": self.kinds["transfer_started"],
            "handovers": self.kinds["handover"],
            "fallbacks": self.kinds["fallback"],
            "errors": self.kinds["error"],
        }
        if self._ratings:
            out["ratings"] = len(self._ratings)
            out["rating_avg_x10"] = round(10 * statistics.mean(self._ratings))
        if turns:
            out["turn_ms_p50"] = round(statistics.median(turns))
            out["turn_ms_p95"] = turns[min(len(turns) - 1, round(0.95 * (len(turns) - 1)))]
        return out
