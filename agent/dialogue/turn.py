"""What the assistant does in one turn: sentences to speak, actions, and maybe an end."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from agent.domain import Command

End = Literal["hangup", "handover"]


@dataclass(slots=True)
class Turn:
    """``replies`` are spoken in order; then, if ``end`` is set, the call ends
    ("hangup") or is transferred ("handover", with ``handover_summary`` for the person).

    ``hold_for_technician``: the caller waits on the line for the on-call technician to
    take the emergency (set on every turn while waiting). The call loop then tells the
    engine the outcome with ``on_escalation_end`` (acknowledged=False once
    ``business.on_call.caller_hold_s`` has passed)."""

    replies: list[str] = field(default_factory=list)
    actions: list[Command] = field(default_factory=list)
    end: End | None = None
    handover_summary: str | None = None
    hold_for_technician: bool = False
    #: False: the caller cannot talk over it (the privacy notice); what they say while it
    #: plays is answered after it.
    interruptible: bool = True

    @property
    def text(self) -> str:
        return " ".join(self.replies)
