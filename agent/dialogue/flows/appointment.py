"""Booking an appointment: what for, when (offer free slots), name, phone; read back; book."""

from __future__ import annotations

from typing import ClassVar

from agent.actions.calendar import CalendarError, SlotTaken
from agent.actions.slots import Slot, appointment_types
from agent.domain import BookAppointment
from agent.profile import AppointmentType
from agent.understanding.meaning import fold, tokens
from agent.understanding.sounds_like import sounds_like

from ..context import FlowContext
from ..cues import any_phrase, means_asap
from ..datetime_speech import say_datetime
from ..say import say_list, say_phone
from ..utterance import Utterance
from .base import Fill, SlotFlow, Step
from .slot_choice import CallbackWhenNoSlots, NoSlots, SlotChoice
from .slot_search import Wish, choose, later_wish


def match_type(ctx: FlowContext, u: Utterance) -> AppointmentType | None:
    """The appointment type ``u`` names (longest synonym wins)."""
    best: tuple[int, AppointmentType] | None = None
    heard = tokens(u.norm)
    for t in appointment_types(ctx.profile):
        for word in (t.name, t.say(ctx.language), *t.synonyms):
            said = any_phrase(u.norm, (word,)) or (
                " " not in word.strip() and any(sounds_like(h, fold(word)) for h in heard)
            )  # "Heizungspartum" is a Heizungswartung misheard
            if said and (best is None or len(word) > best[0]):
                best = (len(word), t)
    return best[1] if best else None


class AppointmentFlow(CallbackWhenNoSlots, SlotFlow):
    name = "appointment"
    intents = frozenset({"book_appointment"})
    slot_names = ("type", "slot", "name", "phone")
    change_words: ClassVar[dict[str, tuple[str, ...]]] = {
        **SlotFlow.change_words,
        "slot": ("zeit", "uhrzeit", "tag", "datum", "time", "day", "date"),
        "type": ("art", "grund", "anlass", "type", "reason"),
    }

    def __init__(self, ctx: FlowContext) -> None:
        super().__init__(ctx)
        self.when = SlotChoice(ctx)

    def _type(self) -> AppointmentType | None:
        name = self.values.get("type")
        return next((t for t in appointment_types(self.ctx.profile) if t.name == name), None)

    def _slot(self) -> Slot | None:
        slot = self.values.get("slot")
        return slot if isinstance(slot, Slot) else None

    def ask(self, slot: str) -> list[str]:
        if slot == "type":
            kinds = [t.say(self.ctx.language) for t in appointment_types(self.ctx.profile)]
            return [self.ctx.say("appt_ask_type", types=say_list(kinds, self.ctx.language, "or"))]
        if slot == "slot":
            return [self.ctx.say("appt_ask_when")]
        return super().ask(slot)

    def accepts(self, u: Utterance) -> bool:
        if self.pending == "type":
            return match_type(self.ctx, u) is not None
        if self.pending == "slot":
            return (
                bool(u.times())
                or choose(u, self.when.offers, self.ctx.now()) is not None
                or later_wish(u, self.when.offers) is not None
                or means_asap(u.norm, u.language)
                or (bool(self.when.offers) and u.yes is False)
            )
        return super().accepts(u)

    def booking_type(self) -> str | None:
        kind = self._type()
        return kind.name if kind else None

    async def fill(self, slot: str, u: Utterance, strict: bool) -> Fill | None:
        if slot == "type":
            t = match_type(self.ctx, u)
            if t is None:
                return None
            old = self._slot()
            if old is not None and t.name != old.appointment_type:
                self.values.pop("slot", None)  # another length: search again at that time
                self.when.wish = Wish(day=old.start.date(), at=old.start.time())
            return Fill(t.name)
        if slot == "slot":
            kind = self._type()
            return await self.when.fill(u, strict, kind.name if kind else None, self._slot())
        return await super().fill(slot, u, strict)

    async def before_ask(self, slot: str) -> Fill | None:
        kinds = appointment_types(self.ctx.profile)
        if slot == "type" and len(kinds) == 1:
            return Fill(kinds[0].name)  # nothing to choose
        kind = self._type()
        if slot == "slot" and self.when.wish is not None and kind and not self.when.offers:
            return await self.when.search(kind.name)
        return None

    def readback(self) -> str:
        slot, kind = self._slot(), self._type()
        assert slot is not None and kind is not None
        return self.ctx.say(
            "appt_readback",
            kind=kind.say(self.ctx.language),
            when=say_datetime(slot.start.astimezone(self.ctx.profile.tz), self.ctx.language),
            name=self.values["name"],
            phone=say_phone(str(self.values["phone"])),
        )

    async def commit(self) -> Step:
        slot = self._slot()
        assert slot is not None
        action = BookAppointment(
            slot.appointment_type, slot.start, slot.end, str(self.values["name"]),
            str(self.values["phone"]), note=self.questions_note(),
        )  # fmt: skip
        try:
            await self.ctx.perform(action)
        except SlotTaken:
            self.values.pop("slot")
            self.when.wish = Wish(day=slot.start.date(), at=slot.start.time())
            self.when.offers = []
            return await self.advance([self.ctx.say("appt_gone")])
        except CalendarError:
            raise NoSlots([self.ctx.say("calendar_down")]) from None
        return Step([self.ctx.say("appt_booked")], done=True)

    def summary(self) -> str:
        kind, slot = self._type(), self._slot()
        parts = ["Terminwunsch" if self.ctx.profile.language == "de" else "Appointment"]
        if kind:
            parts.append(kind.name)
        if slot:
            parts.append(f"{slot.start.astimezone(self.ctx.profile.tz):%d.%m.%Y %H:%M}")
        return ", ".join(parts)
