"""A request about the caller's personal data (DSGVO Art. 15 access, 16 correction, 17
erasure, 21 objection): who, which number, read back, stored for the owner, who must
answer within a month. The assistant never looks the data up or deletes anything
itself: the caller's identity is checked by a person."""

from __future__ import annotations

from typing import ClassVar

from agent.domain import PrivacyKind, PrivacyRequest, Save

from ..context import FlowContext
from ..say import say_phone
from ..utterance import Utterance
from .base import SlotFlow, Step


class PrivacyFlow(SlotFlow):
    name = "privacy"
    intents = frozenset({"privacy_request"})
    handles_no_match = True
    sticky = True
    slot_names = ("name", "phone")

    kinds: ClassVar[tuple[PrivacyKind, ...]] = ("access", "correction", "erasure", "objection")

    def __init__(self, ctx: FlowContext, kind: PrivacyKind | None) -> None:
        super().__init__(ctx)
        self.kind: PrivacyKind = kind or "access"
        self.said: list[str] = []

    async def begin(self, u: Utterance | None) -> Step:
        if u is not None and u.text:
            self.said.append(u.text.strip())
        step = await super().begin(u)
        return Step([self.ctx.say("privacy_intro"), *step.say])

    def _what(self) -> str:
        return self.ctx.say(f"privacy_{self.kind}")

    def readback(self) -> str:
        v = self.values
        return self.ctx.say(
            "message_readback",
            text=self._what(),
            name=v["name"] or self.ctx.say("unknown_name"),
            phone=say_phone(str(v["phone"])) if v["phone"] else self.ctx.say("unknown_name"),
        )

    async def commit(self) -> Step:
        v = {k: str(x) for k, x in self.values.items()}
        text = " / ".join(self.said)
        await self.ctx.perform(Save(PrivacyRequest(self.kind, v["name"], v["phone"], text)))
        return Step([self.ctx.say("privacy_done")], done=True)

    def summary(self) -> str:
        label = "Datenschutzanfrage" if self.ctx.profile.language == "de" else "Privacy request"
        return f"{label} ({self.kind})"
