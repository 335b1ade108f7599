"""The profile's own facts (parking, prices, payment, the emergency service, ...) and
its address, phone and e-mail.

A fact answers when the question is about its topic: the topic's concept (a price
question has "kostet", "Preis", "Euro"; a payment question "zahlen", "Karte", "bar")
or one of the fact's own keywords said as a word (short words like "wo" count only as
whole words and only together with something else). The best-scoring fact wins; a
second one is added when the question joins two ("Adresse und wo kann ich parken?").
A fact that only shares a word with the question is not an answer: "wo bleibt meine
Bestellung" gets no address.
"""

from __future__ import annotations

from agent.profile import Fact, Language

from ..context import FlowContext
from ..say import say_phone
from ..utterance import Utterance
from .result import Answer, asking

#: Fact topics and the concept a question about them has (agent/language/*.yaml).
TOPIC_CONCEPTS = {
    "opening_hours": "hours",
    "address": "address",
    "parking": "parking",
    "prices": "price",
    "price": "price",
    "payment": "payment",
    "emergency_service": "emergency_service",
    "phone": "phone",
    "email": "email",
}
_BUILTIN = ("address", "phone", "email")


def _score(u: Utterance, fact: Fact) -> int:
    score = 0
    concept = TOPIC_CONCEPTS.get(fact.topic)
    if concept and u.has(concept):
        score += 4
    long_words = [k.lower() for k in fact.keywords if len(k) >= 4]
    said = u.norm.split()
    if any(t == k or t.startswith(k) for k in long_words for t in said):
        score += 2  # "Parkplatz", "Kosten" (not the "kosten" in "Nebenkosten")
    short = [k for k in fact.keywords if len(k) < 4]
    if score and any(f" {k.lower()} " in f" {u.norm} " for k in short):
        score += 1
    return score


def _builtin(ctx: FlowContext, topic: str, language: Language) -> str | None:
    p = ctx.profile
    if topic == "address":
        return ctx.say("fact_address", value=p.address.one_line())
    if topic == "phone" and p.phone:
        return ctx.say("fact_phone", value=say_phone(p.phone))
    if topic == "email" and p.email:
        return ctx.say("fact_email", value=p.email)
    return None


def about_facts(ctx: FlowContext, u: Utterance, _type: str | None) -> Answer | None:
    if not asking(u):
        return None
    lang = ctx.language
    scored: list[tuple[int, int, str, str]] = []
    for n, fact in enumerate(ctx.profile.facts):
        if fact.topic == "address" and u.has("email"):
            continue
        s = _score(u, fact)
        if s >= 2:
            scored.append((s, -n, fact.topic, fact.answer.get(lang)))
    covered = {t for _, _, t, _ in scored}
    for n, topic in enumerate(_BUILTIN):
        if topic == "address" and u.has("email"):
            continue  # "Wie ist Ihre E-Mail-Adresse?"
        if topic not in covered and u.has(TOPIC_CONCEPTS[topic]):
            text = _builtin(ctx, topic, lang)
            if text:
                scored.append((4, -100 - n, topic, text))
    if not scored:
        return None
    scored.sort(reverse=True)
    best = scored[0]
    says = [best[3]]
    for other in scored[1:]:
        if other[0] >= 4 and other[2] != best[2] and other[3] not in says:
            says.append(other[3])  # "Adresse und Parken?": both asked
            break
    return Answer(tuple(says), best[2])
