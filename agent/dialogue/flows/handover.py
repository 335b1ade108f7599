"""Handing the caller to a person: put through during office hours, else a message is
taken (with what the caller said before, when it was not understood)."""

from __future__ import annotations

from agent.domain import Handover

from ..context import FlowContext
from ..utterance import Utterance
from .base import Flow, Step
from .message import MessageFlow

#: Why the handover happens -> what is said first.
_INTRO = {"upset": "upset_sorry", "no_match": "not_getting_it"}


class HandoverFlow(Flow):
    name = "handover"
    intents = frozenset({"human_handover"})
    resumable = False

    def __init__(
        self, ctx: FlowContext, reason: str, summary: str, unclear: list[str] | None = None
    ) -> None:
        super().__init__(ctx)
        self.reason = reason
        self.summary_text = summary
        self.unclear = unclear or []

    async def begin(self, u: Utterance | None) -> Step:
        intro = [self.ctx.say(_INTRO[self.reason])] if self.reason in _INTRO else []
        if self.ctx.is_open():
            target = self.ctx.profile.handover.office
            await self.ctx.perform(Handover(target, self.summary_text, self.reason))
            return Step([*intro, self.ctx.say("transfer")], done=True, end="handover")
        message = MessageFlow(self.ctx, "message", reason=f"handover_{self.reason}",
                              earlier=self.unclear)  # fmt: skip
        return Step([*intro, self.ctx.say("office_closed", due=self.ctx.due())], done=True,
                    then=message)  # fmt: skip

    async def handle(self, u: Utterance) -> Step:
        return await self.begin(u)

    def summary(self) -> str:
        return self.summary_text
