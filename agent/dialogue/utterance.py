"""One thing the caller said (or keyed), understood: intent, entities, concepts, cues."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from agent.profile import Language
from agent.understanding.entities import Entity
from agent.understanding.meaning import Reading

#: Intents that start (or switch to) a flow.
MAIN_INTENTS: frozenset[str] = frozenset(
    {
        "book_appointment",
        "reschedule_appointment",
        "cancel_appointment",
        "request_quote",
        "place_order",
        "order_status",
        "invoice_request",
        "faq",
        "emergency",
        "human_handover",
        "callback_request",
        "privacy_request",
        "job_application",
    }
)
_EMPTY = Reading((), {})


@dataclass(frozen=True, slots=True)
class Utterance:
    text: str  # as heard
    norm: str  # dialect standardised, lower case, no punctuation
    intent: str | None  # None: not understood (below the threshold or out_of_scope)
    confidence: float
    entities: tuple[Entity, ...] = ()
    yes: bool | None = None
    dtmf: str | None = None
    language: Language = "de"
    #: The concepts found (gas, smell, price, ...), see agent.understanding.meaning.
    reading: Reading = field(default=_EMPTY)
    #: The text with dialect standardised, case and punctuation kept (values come from it).
    std: str = ""

    def entity(self, kind: str) -> Entity | None:
        return next((e for e in self.entities if e.entity == kind), None)

    def all(self, kind: str) -> list[Entity]:
        return [e for e in self.entities if e.entity == kind]

    @property
    def main_intent(self) -> str | None:
        return self.intent if self.intent in MAIN_INTENTS else None

    @property
    def standard(self) -> str:
        return self.std or self.text

    def restated(self, text: str) -> Utterance:
        """The same utterance with only ``text`` left of it (for a part of a sentence)."""
        from .cues import normalize

        return replace(self, std=text, norm=normalize(text))

    def has(self, concept: str) -> bool:
        return self.reading.has(concept)

    def times(self) -> list[tuple[datetime, str, Entity]]:
        """Time entities as (local datetime, grain, entity)."""
        out = []
        for e in self.all("time"):
            try:
                out.append((datetime.fromisoformat(e.value), e.grain or "time", e))
            except ValueError:
                continue
        return out
