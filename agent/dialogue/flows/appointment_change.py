"""Moving or cancelling an appointment, found by the caller's phone number."""

from __future__ import annotations

from typing import ClassVar

from agent.actions.calendar import CalendarError, SlotTaken
from agent.actions.slots import Slot, appointment_types
from agent.domain import Appointment, CancelAppointment, RescheduleAppointment

from ..context import FlowContext
from ..datetime_speech import say_datetime
from ..utterance import Utterance
from .appointment import AppointmentFlow
from .base import Fill, SlotFlow, Step
from .slot_choice import CallbackWhenNoSlots, NoSlots, SlotChoice
from .slot_search import Wish

OFFER_NEW = "_offer_new"


class _ChangeFlow(SlotFlow):
    """Finds the caller's next appointment first (by caller ID, else the number asked)."""

    change_words: ClassVar[dict[str, tuple[str, ...]]] = {
        "slot": ("zeit", "uhrzeit", "tag", "datum", "time", "day", "date"),
    }

    def __init__(self, ctx: FlowContext) -> None:
        super().__init__(ctx)
        self._looked_up = False
        self._not_found = False

    def _appt(self) -> Appointment | None:
        a = self.values.get("appointment")
        return a if isinstance(a, Appointment) else None

    def _kind(self, appt: Appointment) -> str:
        for t in appointment_types(self.ctx.profile):
            if t.name == appt.appointment_type:
                return t.say(self.ctx.language)
        return appt.appointment_type

    def _when(self, appt_start: Slot | Appointment) -> str:
        return say_datetime(appt_start.start.astimezone(self.ctx.profile.tz), self.ctx.language)

    async def _lookup(self, phone: str) -> Fill:
        try:
            found = await self.ctx.calendar.find_by_phone(phone)
        except CalendarError:
            return Fill(None, (self.ctx.say("calendar_down"),))
        if not found:
            self._not_found = True
            return Fill(None, (self.ctx.say("appt_not_found"), self.ctx.say("offer_new_appt")),
                        asks=True)  # fmt: skip
        appt = found[0]
        said = self.ctx.say("appt_found", kind=self._kind(appt), when=self._when(appt))
        return Fill(appt, (said,))

    async def before_ask(self, slot: str) -> Fill | None:
        if slot != "appointment" or self._looked_up:
            return None
        phone = self.ctx.known.get("phone") or self.ctx.caller_number
        if phone is None:
            return None
        self._looked_up = True
        f = await self._lookup(phone)
        self._not_found = False  # not found by caller ID: ask for the number
        return f if f.value is not None else None

    def ask(self, slot: str) -> list[str]:
        if slot == "appointment":
            return [self.ctx.say("find_ask_phone")]
        return super().ask(slot)

    async def fill(self, slot: str, u: Utterance, strict: bool) -> Fill | None:
        if slot == "appointment" and not strict:
            number = u.entity("phone_number")
            return None if number is None else await self._lookup(number.value)
        return await super().fill(slot, u, strict)

    def awaiting_yes_no(self) -> bool:
        return self.pending == OFFER_NEW or super().awaiting_yes_no()

    async def handle(self, u: Utterance) -> Step:
        if self.pending == OFFER_NEW:
            if u.yes is True:
                return Step(done=True, then=AppointmentFlow(self.ctx))
            if u.yes is False:
                return Step([self.ctx.say("ok")], done=True)
            return Step(self.question(), understood=False)
        step = await super().handle(u)
        if self._not_found:
            self._not_found = False
            self.pending = OFFER_NEW
            self.asked = step.say[-1:]
        return step

    def summary(self) -> str:
        appt = self._appt()
        what = "Terminänderung" if self.ctx.profile.language == "de" else "Appointment change"
        if appt is None:
            return what
        start = appt.start.astimezone(self.ctx.profile.tz)
        return f"{what}: {appt.appointment_type} {start:%d.%m.%Y %H:%M}"


class RescheduleFlow(CallbackWhenNoSlots, _ChangeFlow):
    name = "reschedule"
    intents = frozenset({"reschedule_appointment"})
    slot_names = ("appointment", "slot")

    def __init__(self, ctx: FlowContext) -> None:
        super().__init__(ctx)
        self.when = SlotChoice(ctx)

    def ask(self, slot: str) -> list[str]:
        if slot == "slot":
            return [self.ctx.say("resched_ask_when")]
        return super().ask(slot)

    async def fill(self, slot: str, u: Utterance, strict: bool) -> Fill | None:
        appt = self._appt()
        if slot == "slot":
            if appt is None:
                return None
            current = self.values.get("slot")
            return await self.when.fill(
                u, strict, appt.appointment_type, current if isinstance(current, Slot) else None
            )
        return await super().fill(slot, u, strict)

    async def before_ask(self, slot: str) -> Fill | None:
        appt = self._appt()
        if slot == "slot" and appt and self.when.wish is not None and not self.when.offers:
            return await self.when.search(appt.appointment_type)
        return await super().before_ask(slot)

    def readback(self) -> str:
        appt, slot = self._appt(), self.values["slot"]
        assert appt is not None and isinstance(slot, Slot)
        return self.ctx.say("resched_readback", kind=self._kind(appt), old=self._when(appt),
                            new=self._when(slot))  # fmt: skip

    async def commit(self) -> Step:
        appt, slot = self._appt(), self.values["slot"]
        assert appt is not None and isinstance(slot, Slot)
        try:
            await self.ctx.perform(
                RescheduleAppointment(
                    appt.id, appt.appointment_type, appt.start, slot.start, slot.end
                )
            )
        except SlotTaken:
            self.values.pop("slot")
            self.when.wish, self.when.offers = Wish(day=slot.start.date()), []
            return await self.advance([self.ctx.say("appt_gone")])
        except CalendarError:
            raise NoSlots([self.ctx.say("calendar_down")]) from None
        return Step([self.ctx.say("resched_done")], done=True)


class CancelFlow(_ChangeFlow):
    name = "cancel"
    intents = frozenset({"cancel_appointment"})
    slot_names = ("appointment",)

    def readback(self) -> str:
        return self.ctx.say("cancel_confirm")

    async def handle(self, u: Utterance) -> Step:
        if self.pending == "_confirm" and u.yes is False:
            return Step([self.ctx.say("cancel_kept")], done=True)
        return await super().handle(u)

    async def commit(self) -> Step:
        appt = self._appt()
        assert appt is not None
        try:
            await self.ctx.perform(CancelAppointment(appt.id, appt.appointment_type, appt.start))
        except CalendarError:
            return Step([self.ctx.say("calendar_down")], done=True)
        return Step([self.ctx.say("cancel_done")], done=True)
