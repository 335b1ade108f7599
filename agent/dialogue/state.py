"""The engine's memory of one call."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .flows import Flow
from .flows.emergency import TechnicianHold
from .turn import End

#: What the engine itself waits for when no flow is running.
Mode = Literal["open", "anything_else", "resume"]


@dataclass
class DialogueState:
    flow: Flow | None = None
    #: Flows left for another topic, most recent last; offered again afterwards.
    suspended: list[Flow] = field(default_factory=list)
    mode: Mode = "open"
    no_match: int = 0  # failed understandings in a row
    #: What the caller said that was not understood (kept for the person who takes over).
    unclear: list[str] = field(default_factory=list)
    caller_turns: int = 0  # utterances so far (the first may greet with "Servus")
    silence: int = 0  # silences in a row
    handed_over: bool = False
    ended: End | None = None
    #: The caller waits on the line for the on-call technician (emergency after hours).
    hold: TechnicianHold | None = None
    last_replies: list[str] = field(default_factory=list)
    #: (who, text) of the whole call, for the handover summary.
    history: list[tuple[str, str]] = field(default_factory=list)

    def last_caller_text(self) -> str | None:
        return next((t for who, t in reversed(self.history) if who == "caller"), None)
