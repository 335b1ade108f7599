"""What an answerer gives back."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Answer:
    says: tuple[str, ...]
    topic: str
    #: True: the topic is clear but the profile does not settle it ("Kommen Sie nach
    #: Augsburg?"): said so, and a call back is offered.
    unsure: bool = False
