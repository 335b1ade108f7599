"""A deterministic NLU backend: keyword rules -> intent, plus the rule-based entities.

No classifier: the first rule whose keyword starts a word wins, with a fixed confidence.
It makes replays exact (``rufbereit simulate --backend rules``) and is the backend of
the dialogue tests, which test the dialogue rather than a classifier's accuracy. For
calls use the embedded classifier or Rasa.
"""

from __future__ import annotations

from datetime import datetime

from agent.understanding.entities import extract_entities
from agent.understanding.nlu import IntentScore, Parse

# First matching rule wins; a keyword matches at a word start ("termin" in "termine").
RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("goodbye", ("tschüss", "auf wiederhören", "auf wiedersehen", "goodbye", "bye")),
    ("human_handover", ("mitarbeiter", "menschen", "mensch sprechen", "verbinden sie",
                        "speak to someone", "real person", "a human", "operator")),
    ("cancel_appointment", ("absagen", "stornieren", "cancel")),
    ("reschedule_appointment", ("verschieben", "verlegen", "umbuchen", "reschedule",
                                "move my appointment")),
    ("request_quote", ("angebot", "kostenvoranschlag", "quote", "estimate")),
    ("place_order", ("bestellen", "bestellung", "order", "kaufen", "buy")),
    ("callback_request", ("rückruf", "zurückrufen", "call me back", "callback")),
    ("faq", ("frage", "öffnungszeit", "geöffnet", "adresse", "wo sind", "wo finde", "kostet",
             "preis", "bezahlen", "parken", "wie lange", "rechnung", "opening", "address",
             "where are", "how much", "pay", "question")),
    ("book_appointment", ("termin", "appointment", "vorbeikommen", "book", "wartung")),
    ("emergency", ("notfall", "emergency")),
    ("greet", ("hallo", "guten tag", "grüß gott", "hello")),
)  # fmt: skip


def _has(text: str, keyword: str) -> bool:
    return f" {keyword}" in f" {text}"


class RulesNlu:
    name = "rules"

    async def parse(self, text: str, *, language: str, now: datetime) -> Parse:
        low = " ".join(text.lower().replace(",", " ").replace("?", " ? ").split())
        entities = tuple(extract_entities(text, language, now))
        intent = next((i for i, kws in RULES if any(_has(low, k) for k in kws)), None)
        if intent is None and low.endswith("?"):
            intent = "faq"
        if intent is not None:
            score = IntentScore(intent, 0.95)
        elif entities:
            score = IntentScore("inform", 0.9)
        else:
            score = IntentScore("out_of_scope", 0.4)
        return Parse(text, score, (score,), entities, self.name)
