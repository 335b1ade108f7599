"""What understanding produces, and the one interface every NLU backend implements.

A parse has Rasa's shape (``text``, ``intent``, ``intent_ranking``, ``entities``)
so the embedded classifier and a Rasa server are interchangeable, and
``rufbereit nlu parse --json`` prints exactly what Rasa's ``/model/parse`` would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from agent.understanding.entities import Entity

#: Intents every backend knows (the training data may add more).
CORE_INTENTS: tuple[str, ...] = (
    "book_appointment",
    "reschedule_appointment",
    "cancel_appointment",
    "request_quote",
    "place_order",
    "order_status",
    "faq",
    "emergency",
    "human_handover",
    "callback_request",
    "affirm",
    "deny",
    "goodbye",
)


class NluError(Exception):
    """The backend could not parse (e.g. the Rasa server is down); callers fall back."""


@dataclass(frozen=True, slots=True)
class IntentScore:
    name: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Parse:
    text: str
    intent: IntentScore
    intent_ranking: tuple[IntentScore, ...] = ()
    entities: tuple[Entity, ...] = field(default_factory=tuple)
    backend: str = ""

    def entity(self, kind: str) -> Entity | None:
        """The first entity of that kind, if any."""
        return next((e for e in self.entities if e.entity == kind), None)

    def to_rasa(self) -> dict[str, Any]:
        """Rasa's ``/model/parse`` JSON."""
        return {
            "text": self.text,
            "intent": {"name": self.intent.name, "confidence": round(self.intent.confidence, 4)},
            "intent_ranking": [
                {"name": s.name, "confidence": round(s.confidence, 4)} for s in self.intent_ranking
            ],
            "entities": [e.to_rasa() for e in self.entities],
        }


class NluBackend(Protocol):
    """Text in, intent and entities out. ``now`` anchors relative times ("morgen")."""

    name: str

    async def parse(self, text: str, *, language: str, now: datetime) -> Parse: ...
