"""A sales lead: what is needed, where, budget, urgency, contact; confirm; promise a call back."""

from __future__ import annotations

from typing import ClassVar

from agent.domain import Lead, Save

from ..cues import free_text, means_unknown, normalize
from ..say import say_phone
from ..utterance import Utterance
from .base import Fill, SlotFlow, Step

#: Words of a bare request for a quote; what is left over describes the need.
_BOILERPLATE = set(
    normalize(
        "ich hätte gern gerne möchte würde bräuchte brauche wollte ein einen eine "
        "kostenvoranschlag "
        "angebot angebote anfrage für fuer bitte mal ja hallo guten tag grüß gott wir uns mir "
        "i i'd would like a an quote quotation estimate for please hello we need want"
    ).split()
)


def _without_boilerplate(text: str) -> str:
    """'Ich hätte gern ein Angebot für ein neues Bad' -> 'neues Bad'."""
    words = text.strip().rstrip(".!?").split()
    while words and all(part in _BOILERPLATE for part in normalize(words[0]).split()):
        words.pop(0)
    return " ".join(words)


class LeadFlow(SlotFlow):
    name = "lead"
    intents = frozenset({"request_quote"})
    slot_names = ("need", "location", "budget", "urgency", "name", "phone")
    change_words: ClassVar[dict[str, tuple[str, ...]]] = {
        **SlotFlow.change_words,
        "need": ("worum", "arbeit", "auftrag", "job", "need"),
        "location": ("ort", "adresse", "wo", "location", "place", "town"),
        "budget": ("budget", "preis", "betrag", "price"),
        "urgency": ("dringend", "zeitrahmen", "wann", "urgency", "timing", "when"),
    }

    async def fill(self, slot: str, u: Utterance, strict: bool) -> Fill | None:
        if slot == "need":
            if strict:  # the opening request may already say what it is about
                if "need" in self.values:
                    return None
                need = _without_boilerplate(u.text)
                return Fill(need) if len(need.split()) >= 2 else None
            text = free_text(u.text)
            return Fill(text) if text else None
        if slot in ("location", "urgency", "budget"):
            if strict:
                return None
            if slot == "budget" and means_unknown(u.norm):
                return Fill(self.ctx.say("open"))
            text = free_text(u.text)
            return Fill(text) if text else None
        return await super().fill(slot, u, strict)

    def readback(self) -> str:
        v = self.values
        return self.ctx.say(
            "lead_readback",
            need=v["need"],
            location=v["location"],
            budget=v["budget"],
            urgency=v["urgency"],
            name=v["name"],
            phone=say_phone(str(v["phone"])),
        )

    async def commit(self) -> Step:
        v = {k: str(x) for k, x in self.values.items()}
        await self.ctx.perform(
            Save(Lead(v["need"], v["location"], v["budget"], v["urgency"], v["name"], v["phone"]))
        )
        return Step([self.ctx.say("lead_done", due=self.ctx.due())], done=True)

    def summary(self) -> str:
        label = "Anfrage" if self.ctx.profile.language == "de" else "Enquiry"
        need = self.values.get("need")
        return f"{label}: {need}" if need else label
