"""A message for the office or a call-back request: what about, name, number; confirm."""

from __future__ import annotations

from typing import ClassVar, Literal

from agent.domain import Message, Save

from .. import values
from ..context import FlowContext
from ..cues import has_cue, strip_words
from ..say import say_phone
from ..utterance import Utterance
from .base import Fill, SlotFlow, Step


def message_topic(u: Utterance | None) -> str | None:
    """The message in a request to pass one on ('Können Sie dem Chef ausrichten, dass die
    Fliesen geliefert sind'), or None ('Ich hätte eine Nachricht für Herrn Gruber')."""
    if u is None or not u.text:
        return None
    rest = u.norm
    for span in u.reading.hits.get("message_request", ()):
        rest = " ".join(u.reading.toks[span.end :])
    content = [w for w in rest.split() if len(w) > 3]
    return u.text.strip() if len(content) >= 3 else None


def callback_topic(u: Utterance | None) -> str | None:
    """What a call-back request says it is about ('Rückruf wegen der Rechnung vom
    Oktober'), or None when it says no more than 'bitte zurückrufen'."""
    if u is None or not u.text:
        return None
    rest = strip_words(u.norm, u.language, "fillers", "greeting", "thanks", "yes", "no")
    for span in u.reading.hits.get("callback", ()):
        rest = rest.replace(" ".join(u.reading.toks[span.start : span.end]), " ")
    stop = {"bitte", "mich", "sie", "können", "könnten", "kann", "mal", "ich", "hätte", "gern",
            "gerne", "einen", "um", "den", "the", "me", "please", "could", "can", "you", "a",
            "wegen", "zurück", "möchte", "würde", "wollte", "lassen", "von", "ihnen", "jemand",
            "soll", "sollte", "einmal", "mir", "back", "call", "i", "like", "would",
            "want"}  # fmt: skip
    content = [w for w in rest.split() if w not in stop]
    return u.text.strip() if len(content) >= 2 else None


class MessageFlow(SlotFlow):
    """``kind`` "message" (handover after hours, a job application) or "callback" (asked
    for, or offered when a question cannot be answered). Never hands over: an answer it
    cannot use twice is left for the person who calls back."""

    name = "message"
    intents = frozenset({"callback_request", "message_request", "complaint"})
    handles_no_match = True
    sticky = True
    slot_names = ("text", "name", "phone")
    slot_kinds: ClassVar[dict[str, str]] = {**SlotFlow.slot_kinds, "text": "text"}
    change_words: ClassVar[dict[str, tuple[str, ...]]] = {
        **SlotFlow.change_words,
        "text": ("nachricht", "text", "anliegen", "thema", "message", "topic"),
    }

    def __init__(
        self,
        ctx: FlowContext,
        kind: Literal["message", "callback"] = "callback",
        reason: str = "callback_request",
        topic: str | None = None,
        earlier: list[str] | None = None,
    ) -> None:
        super().__init__(ctx)
        self.kind = kind
        self.reason = reason
        #: What the caller said before that was not understood: kept with the message.
        self.earlier = earlier or []
        if topic:
            self.values["text"] = topic

    def _addition(self, u: Utterance) -> str | None:
        """More about the message while its name or number is asked ('es geht um das
        Angebot, das er uns geschickt hat')."""
        if self.pending not in ("name", "phone") or "text" not in self.values:
            return None
        if self.parse(self.pending, u) is not None or u.entity("phone_number"):
            return None
        if has_cue(u.norm, u.language, "name_said") or self._names_slot(u) is not None:
            return None  # "mein Name ist ...", "nein, die Nummer ist ...": not the message
        more = values.free_text(u, questions_ok=True)
        return more if more and len(more.split()) >= 4 else None

    def accepts(self, u: Utterance) -> bool:
        return self._addition(u) is not None or super().accepts(u)

    async def handle(self, u: Utterance) -> Step:
        more = self._addition(u)
        if more is not None:
            self.values["text"] = f"{self.values['text']} / {more}"
            return Step([self.ctx.say("noted"), *self.question()])
        return await super().handle(u)

    def parse(self, slot: str, u: Utterance) -> object | None:
        if slot == "text":  # a message may well be a question ("ob die Lieferung da ist")
            return values.free_text(u, questions_ok=True)
        return super().parse(slot, u)

    async def fill(self, slot: str, u: Utterance, strict: bool) -> Fill | None:
        if slot == "text":
            text = None if strict else self.parse(slot, u)
            return Fill(text) if text else None
        return await super().fill(slot, u, strict)

    def ask(self, slot: str) -> list[str]:
        if slot == "text":
            return [self.ctx.say("ask_message" if self.kind == "message" else "ask_callback_topic")]
        return super().ask(slot)

    def readback(self) -> str:
        v = self.values
        return self.ctx.say(
            "message_readback",
            text=str(v["text"]).rstrip(" .?!") or "-",
            name=v["name"] or self.ctx.say("unknown_name"),
            phone=say_phone(str(v["phone"])) if v["phone"] else self.ctx.say("unknown_name"),
        )

    def _text(self) -> str:
        text = str(self.values["text"])
        if self.earlier:
            said = " / ".join(f"\u201e{e}\u201c" for e in self.earlier)
            label = "Zuvor gesagt" if self.ctx.profile.language == "de" else "Said before"
            text = f"{text} ({label}: {said})"
        if self.questions:
            text = f"{text}. {self.questions_note()}"
        return text

    async def commit(self) -> Step:
        v = {k: str(x) for k, x in self.values.items()}
        due = self.ctx.next_working_day()
        record = Message(self.kind, v["name"], v["phone"], self._text(), self.reason, due)
        await self.ctx.perform(Save(record))
        key = "message_done" if self.kind == "message" else "callback_done"
        return Step([self.ctx.say(key, due=self.ctx.due())], done=True)

    def summary(self) -> str:
        label = "Rückrufwunsch" if self.ctx.profile.language == "de" else "Call-back request"
        text = self.values.get("text")
        return f"{label}: {text}" if text else label
