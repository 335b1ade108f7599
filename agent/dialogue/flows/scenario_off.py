"""A request the owner switched off (``business.routing.scenarios_off``, e.g. orders
during a pilot): a polite word, then a call back is arranged for it."""

from __future__ import annotations

from ..context import FlowContext
from ..utterance import Utterance
from .base import Step
from .flow import Flow
from .message import MessageFlow


class ScenarioOffFlow(Flow):
    name = "scenario_off"
    resumable = False

    def __init__(self, ctx: FlowContext, scenario: str) -> None:
        super().__init__(ctx)
        self.scenario = scenario

    async def begin(self, u: Utterance | None) -> Step:
        topic = self.ctx.phrase(f"topic_{self.scenario}")
        callback = MessageFlow(
            self.ctx, "callback", reason=f"scenario_off:{self.scenario}",
            topic=u.text.strip() if u is not None and u.text else None,
        )  # fmt: skip
        return Step([self.ctx.say("scenario_off", topic=topic)], done=True, then=callback)

    async def handle(self, u: Utterance) -> Step:
        return await self.begin(u)
