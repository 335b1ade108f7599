"""A sales lead: what is needed, where, budget, urgency, contact; confirm; promise a call
back. What the opening sentence already says ("ein Angebot für ein neues Bad in
Freising, Budget so zwanzigtausend") is not asked again; a question on the way is
answered (or noted for the call back) and never stored as an answer."""

from __future__ import annotations

import re
from typing import ClassVar

from agent.domain import Lead, Save

from .. import values
from ..cues import has_cue, means_asap, normalize, only_greeting
from ..say import say_phone
from ..utterance import Utterance
from .base import Fill, SlotFlow, Step

#: Words of a bare request for a quote; what is left over describes the need.
_BOILERPLATE = set(
    normalize(
        "ich wir hätte hätten gern gerne möchte möchten würde würden bräuchte bräuchten brauche "
        "brauchen wollte wollten ein einen eine kostenvoranschlag angebot angebote anfrage "
        "offerte für fuer bitte mal ja hallo guten tag grüß gott servus moin grüezi uns mir "
        "also äh ähm so was würde kosten kostet i i'd would like a an quote quotation estimate "
        "for please hello hi we need want get could you give me us what does it cost"
    ).split()
)
_BUDGET_WORDS = re.compile(r"euro|tausend|budget|preis|kosten|€|\d+\s*k\b|thousand|franken")
_CUT = re.compile(
    r"\s+(?:in|im|bei|für|for|at|near)\s+(?=\S+\s*(?:$|budget|und|,|so|für|bis|mit))|"
    r"\s*,?\s*(?:budget|so um die|für so|für ca|bis ende|möglichst|so bald|so schnell|ungefähr|"
    r"roughly|approximately)\b",
    re.IGNORECASE,
)


_QUOTE_PHRASE = re.compile(
    r"(?:was|wie\s*viel)\s+(?:würde|wird|könnte|täte|kostet)\s+(?:(?:es|das|denn|eigentlich|"
    r"ungefähr|ca|circa|etwa|mich|uns|so)\s+)*(?:kosten)?[\s,]*"
    r"|(?:i\s+was\s+)?(?:wondering\s+)?(?:how\s+much|what)\s+(?:would\s+(?:it|that)|(?:it|that)"
    r"\W?(?:d|\s+would))\s+(?:cost|be|set\s+us\s+back)(?:\s+(?:roughly|approximately|about))?"
    r"(?:\s+to)?"
    r"|(?:(?:ein(?:en)?|an?|the|eine)\s+)?(?:angebot|kosten\s?voranschlag|offerte|"
    r"kostenschätzung|quote|quotation|estimate)(?:\s+(?:für|fuer|über|for|on|about|zu))?"
    r"|(?:i|we)\W?(?:m|re|am|are)?\s+(?:calling|phoning|ringing)\s+(?:about|regarding)"
    r"|(?:we|i)\W?(?:re|m| are| am)?\s+thinking\s+(?:about|of)"
    r"|wir\s+überlegen|ich\s+überlege|wir\s+planen|ich\s+plane",
    re.IGNORECASE,
)


def _need_from_opening(u: Utterance) -> str | None:
    """'Ich hätte gern ein Angebot für ein neues Bad in Freising' -> 'ein neues Bad'."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", u.standard.strip()) if s]
    content = [s for s in sentences if not only_greeting(normalize(s), u.language)]
    text = " ".join(content) if content else u.standard
    text = _QUOTE_PHRASE.sub(" ", text)
    text = " ".join(values.clean_lead(text.split(), u.language))
    words = text.strip().rstrip(".!?").split()
    while words and all(p in _BOILERPLATE for p in normalize(words[0]).split()):
        words.pop(0)
    text = _CUT.split(" ".join(words), maxsplit=1)[0].strip(" ,.")
    long_word = len(text.split()) == 1 and len(text) >= 6  # "einen Badumbau"
    return text if len(text.split()) >= 2 or long_word else None


def _place_from_opening(ctx_places: list[str], u: Utterance) -> str | None:
    street = values.street_address(u)
    if street:
        return street
    toks = u.norm.split()
    for place in ctx_places:
        p = normalize(place)
        for prep in ("in", "im", "bei", "nach", "aus"):
            if f" {prep} {p} " in f" {' '.join(toks)} ":
                return place
    return None


class LeadFlow(SlotFlow):
    name = "lead"
    intents = frozenset({"request_quote"})
    slot_names = ("need", "location", "budget", "urgency", "name", "phone")
    slot_kinds: ClassVar[dict[str, str]] = {
        **SlotFlow.slot_kinds,
        "need": "text",
        "location": "place",
        "budget": "amount",
        "urgency": "urgency",
    }
    optional = frozenset({"budget", "urgency", "location"})
    change_words: ClassVar[dict[str, tuple[str, ...]]] = {
        **SlotFlow.change_words,
        "need": ("worum", "arbeit", "auftrag", "job", "need"),
        "location": ("ort", "adresse", "wo", "location", "place", "town", "address"),
        "budget": ("budget", "preis", "betrag", "price"),
        "urgency": ("dringend", "zeitrahmen", "wann", "urgency", "timing", "when"),
    }

    async def fill(self, slot: str, u: Utterance, strict: bool) -> Fill | None:
        if not strict:
            return await super().fill(slot, u, strict)
        if slot == "need" and "need" not in self.values:
            need = _need_from_opening(u)
            return Fill(need) if need else None
        if slot == "location":
            found = _place_from_opening(self.ctx.profile.area.places, u)
            return Fill(found) if found else None
        if slot == "budget" and _BUDGET_WORDS.search(u.norm):
            amount = values.amount(u)
            return Fill(amount) if amount and amount != "offen" else None
        if slot == "urgency" and (
            means_asap(u.norm, u.language) or has_cue(u.norm, u.language, "urgency_words")
        ):
            return Fill(values.urgency(u.restated(_tail(u))))
        return await super().fill(slot, u, strict)

    def readback(self) -> str:
        v = self.values
        unknown = self.ctx.phrase("open")
        return self.ctx.say(
            "lead_readback",
            need=v["need"] or unknown,
            location=v["location"] or unknown,
            budget=unknown if v["budget"] in (None, "", "offen") else v["budget"],
            urgency=v["urgency"] or unknown,
            name=v["name"] or self.ctx.say("unknown_name"),
            phone=say_phone(str(v["phone"])),
        )

    async def commit(self) -> Step:
        v = {k: str(x) for k, x in self.values.items()}
        lead = Lead(
            v["need"],
            v["location"],
            v["budget"] or "offen",
            v["urgency"],
            v["name"],
            v["phone"],
            note=self.questions_note(),
        )
        await self.ctx.perform(Save(lead))  # fmt: skip
        return Step([self.ctx.say("lead_done", due=self.ctx.due())], done=True)

    def summary(self) -> str:
        label = "Anfrage" if self.ctx.profile.language == "de" else "Enquiry"
        need = self.values.get("need")
        return f"{label}: {need}" if need else label


def _tail(u: Utterance) -> str:
    """The part of the opening sentence after its last comma (where urgency is said)."""
    return u.standard.rsplit(",", 1)[-1]
