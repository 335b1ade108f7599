"""One thing the caller said (or keyed), understood: intent, entities and cues."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from agent.understanding.entities import Entity

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
    }
)


@dataclass(frozen=True, slots=True)
class Utterance:
    text: str
    norm: str
    intent: str | None  # None: not understood (below the threshold or out_of_scope)
    confidence: float
    entities: tuple[Entity, ...] = ()
    yes: bool | None = None
    dtmf: str | None = None

    def entity(self, kind: str) -> Entity | None:
        return next((e for e in self.entities if e.entity == kind), None)

    def all(self, kind: str) -> list[Entity]:
        return [e for e in self.entities if e.entity == kind]

    @property
    def main_intent(self) -> str | None:
        return self.intent if self.intent in MAIN_INTENTS else None

    def times(self) -> list[tuple[datetime, str, Entity]]:
        """Time entities as (local datetime, grain, entity)."""
        out = []
        for e in self.all("time"):
            try:
                out.append((datetime.fromisoformat(e.value), e.grain or "time", e))
            except ValueError:
                continue
        return out
