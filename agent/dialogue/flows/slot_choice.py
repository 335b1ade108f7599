"""Choosing a time: the caller's wishes, the offers, the choice; and what happens when
the calendar has nothing (or cannot be reached): a call back is arranged instead."""

from __future__ import annotations

from agent.actions.calendar import CalendarError
from agent.actions.slots import Slot

from ..context import FlowContext
from ..utterance import Utterance
from .base import Fill, SlotFlow, Step
from .message import MessageFlow
from .slot_search import Found, SlotFinder, Wish, choose, later_wish, wish_from


class NoSlots(Exception):
    """No time can be offered; ``say`` tells the caller why."""

    def __init__(self, say: list[str]) -> None:
        super().__init__("no slots")
        self.say = say


class SlotChoice:
    """The 'when' part shared by booking and rescheduling: wishes, offers, the choice."""

    def __init__(self, ctx: FlowContext) -> None:
        self.ctx = ctx
        self.finder = SlotFinder(ctx, ctx.calendar)
        self.offers: list[Slot] = []
        self.wish: Wish | None = None

    async def search(self, type_name: str) -> Fill:
        assert self.wish is not None
        try:
            found: Found = await self.finder.find(self.wish, type_name)
        except CalendarError:
            raise NoSlots([self.ctx.say("calendar_down")]) from None
        self.offers = found.offers
        if found.exact is not None:
            return Fill(found.exact, tuple(found.say))
        if not found.offers:
            raise NoSlots(found.say)
        return Fill(None, tuple(found.say), asks=True)

    async def fill(
        self, u: Utterance, strict: bool, type_name: str | None, current: Slot | None
    ) -> Fill | None:
        if not strict:
            picked = choose(u, self.offers, self.ctx.now())
            if picked is not None:
                return Fill(picked)
        anchor = self.offers[0].start.date() if self.offers and not strict else None
        if current is not None:
            anchor = current.start.astimezone(self.ctx.profile.tz).date()
        keep = current.start.astimezone(self.ctx.profile.tz).time() if current else None
        wish = wish_from(u, anchor, keep) or (later_wish(u, self.offers) if not strict else None)
        if wish is None:
            if not strict and u.yes is False:
                self.offers = []
                return Fill(None, (self.ctx.say("appt_when_again"),), asks=True)
            return None
        self.wish = wish
        if type_name is None:
            return Fill(None)  # searched once the type is known
        return await self.search(type_name)


class CallbackWhenNoSlots(SlotFlow):
    """A flow that needs the calendar: when it has nothing, a call back is taken."""

    async def begin(self, u: Utterance | None) -> Step:
        try:
            return await super().begin(u)
        except NoSlots as exc:
            return self._callback(exc.say)

    async def handle(self, u: Utterance) -> Step:
        try:
            return await super().handle(u)
        except NoSlots as exc:
            return self._callback(exc.say)

    def _callback(self, say: list[str]) -> Step:
        flow = MessageFlow(self.ctx, "callback", reason="no_slot", topic=self.summary())
        return Step([*say, self.ctx.say("appt_callback")], done=True, then=flow)
