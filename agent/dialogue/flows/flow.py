"""The flow interface: a flow gets the caller's utterances while it is the current one
and answers each with a :class:`Step`."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar

from ..context import FlowContext
from ..turn import End
from ..utterance import Utterance


def phone_as_said(text: str, value: str) -> str:
    """A typed number keeps the caller's grouping ('089 445566'); spoken words give digits."""
    digits = re.sub(r"\D", "", text)
    return text.strip() if digits == re.sub(r"\D", "", value) else value


CONFIRM = "_confirm"
CHANGE = "_change"


@dataclass
class Step:
    say: list[str] = field(default_factory=list)
    done: bool = False
    end: End | None = None
    understood: bool = True
    then: Flow | None = None  # the engine starts this flow next (replacing this one)


@dataclass(frozen=True, slots=True)
class Fill:
    """A slot answer: ``value`` fills the slot; ``say`` is said (offers, notes). With
    ``value`` None the slot stays open; ``asks`` means ``say`` already asks for it."""

    value: object = None
    say: tuple[str, ...] = ()
    asks: bool = False


class Flow(ABC):
    name: ClassVar[str]
    intents: ClassVar[frozenset[str]] = frozenset()
    #: True: the flow copes with answers it cannot use (the engine never hands over).
    handles_no_match: ClassVar[bool] = False
    #: True: what the caller says goes to this flow unless they clearly change the topic
    #: (a message being taken: "es geht um das Angebot" is part of it, not a new request).
    sticky: ClassVar[bool] = False
    #: False: not offered again after another topic (a question, a handover).
    resumable: ClassVar[bool] = True

    def __init__(self, ctx: FlowContext) -> None:
        self.ctx = ctx
        self.asked: list[str] = []  # the pending question, for reprompts
        #: Questions the caller asked on the way that the profile could not answer, word
        #: for word: they go into the record for the person who calls back.
        self.questions: list[str] = []

    @abstractmethod
    async def begin(self, u: Utterance | None) -> Step: ...

    @abstractmethod
    async def handle(self, u: Utterance) -> Step: ...

    def question(self) -> list[str]:
        return list(self.asked)

    def awaiting_yes_no(self) -> bool:
        return False

    def accepts(self, u: Utterance) -> bool:
        """Whether ``u`` answers the pending question (checked before switching topics)."""
        return True

    def awaiting_more(self) -> bool:
        """The pending question is "anything else?" (a closing or a no ends the list)."""
        return False

    def booking_type(self) -> str | None:
        """The appointment type being booked (for "wie lange dauert das?")."""
        return None

    def note(self, question: str) -> None:
        """Keep a question the caller asked that could not be answered."""
        if question and question not in self.questions:
            self.questions.append(question)

    def questions_note(self) -> str:
        label = "Offene Frage" if self.ctx.profile.language == "de" else "Open question"
        return "; ".join(f"{label}: {q}" for q in self.questions)

    def topic(self) -> str:
        return self.ctx.phrase(f"topic_{self.name}")

    def summary(self) -> str:
        """What the caller wanted so far, in the business's language, for a person."""
        return ""
