"""A message for the office or a call-back request: what about, name, number; confirm."""

from __future__ import annotations

from typing import ClassVar, Literal

from agent.domain import Message, Save

from ..context import FlowContext
from ..cues import free_text
from ..say import say_phone
from ..utterance import Utterance
from .base import Fill, SlotFlow, Step


class MessageFlow(SlotFlow):
    """``kind`` "message" (handover after hours) or "callback" (asked for, or offered when
    a question cannot be answered). Never hands over: an answer it cannot use twice is
    left for the person who calls back."""

    name = "message"
    intents = frozenset({"callback_request"})
    handles_no_match = True
    slot_names = ("text", "name", "phone")
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
    ) -> None:
        super().__init__(ctx)
        self.kind = kind
        self.reason = reason
        if topic:
            self.values["text"] = topic

    def ask(self, slot: str) -> list[str]:
        if slot == "text":
            return [self.ctx.say("ask_message" if self.kind == "message" else "ask_callback_topic")]
        return super().ask(slot)

    async def fill(self, slot: str, u: Utterance, strict: bool) -> Fill | None:
        if slot == "text":
            text = None if strict else free_text(u.text)
            return Fill(text) if text else None
        return await super().fill(slot, u, strict)

    def readback(self) -> str:
        v = self.values
        return self.ctx.say(
            "message_readback",
            text=str(v["text"]).rstrip(" .?!") or "-",
            name=v["name"] or self.ctx.say("unknown_name"),
            phone=say_phone(str(v["phone"])) if v["phone"] else self.ctx.say("unknown_name"),
        )

    async def commit(self) -> Step:
        v = {k: str(x) for k, x in self.values.items()}
        due = self.ctx.next_working_day()
        if self.kind == "message":
            await self.ctx.perform(
                Save(Message("message", v["name"], v["phone"], v["text"], self.reason, due))
            )
            return Step([self.ctx.say("message_done", due=self.ctx.due())], done=True)
        await self.ctx.perform(
            Save(Message("callback", v["name"], v["phone"], v["text"], self.reason, due))
        )
        return Step([self.ctx.say("callback_done", due=self.ctx.due())], done=True)

    def summary(self) -> str:
        label = "Rückrufwunsch" if self.ctx.profile.language == "de" else "Call-back request"
        text = self.values.get("text")
        return f"{label}: {text}" if text else label
