"""What an answerer gives back."""

from __future__ import annotations

from dataclasses import dataclass

from ..cues import is_question
from ..utterance import Utterance


def asking(u: Utterance) -> bool:
    """``u`` is a question (by its form, or because it answers "Was möchten Sie wissen?")."""
    return u.intent == "faq" or is_question(u.standard, u.language)


@dataclass(frozen=True, slots=True)
class Answer:
    says: tuple[str, ...]
    topic: str
    #: True: the topic is clear but the profile does not settle it ("Kommen Sie nach
    #: Augsburg?"): said so, and a call back is offered.
    unsure: bool = False
