"""Emergencies: a real one (gas, burst pipe, heating out in frost) gets safety advice
first; during opening hours the caller is put through to the office at once, after
hours the address and call-back number are taken and the on-call rota is rung. An
urgent-but-not-emergency one (dripping tap, blocked drain, heating out without frost)
is taken for the next working day and never escalated.

After hours the caller is kept on the line (``on_call.caller_hold_s``) while the
technician is called: the flow ends with a :class:`TechnicianHold`, which the engine
keeps until the escalation's end is known (``hold_*`` below say what the caller hears).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from agent.domain import Emergency, Handover, Message, Save, StartEscalation
from agent.understanding.emergencies import Detection, detect, said_any

from .. import values
from ..context import FlowContext
from ..say import say_phone
from ..utterance import Utterance
from .base import SlotFlow, Step

HOLD_WAITS = 3  # em_hold_wait_0 .. _2, said in turn


@dataclass
class TechnicianHold:
    """The caller waits on the line for the technician to take the emergency."""

    phone: str  # the call-back number the technician got ("" if none)
    waits: int = 0  # reassurances said so far


def _on_phone(ctx: FlowContext, hold: TechnicianHold) -> str:
    return ctx.say("em_on_phone", phone=say_phone(hold.phone)) if hold.phone else ""


def hold_wait(ctx: FlowContext, hold: TechnicianHold) -> str:
    """A short reassurance while waiting (a different one each time)."""
    text = ctx.say(f"em_hold_wait_{hold.waits % HOLD_WAITS}")
    hold.waits += 1
    return text


def hold_bye(ctx: FlowContext, hold: TechnicianHold) -> str:
    """The caller leaves before the technician took it."""
    return ctx.say("em_hold_bye", on_phone=_on_phone(ctx, hold))


def hold_end(
    ctx: FlowContext,
    hold: TechnicianHold,
    acknowledged: bool,
    person: str | None,
    still_trying: bool = True,
) -> str:
    """What the caller hears when the escalation ended (or the hold timed out:
    ``still_trying``; else nobody took it and everybody was notified in writing)."""
    on_phone = _on_phone(ctx, hold)
    if not acknowledged:
        return ctx.say(
            "em_hold_not_reached" if still_trying else "em_hold_nobody", on_phone=on_phone
        )
    if person:
        return ctx.say("em_hold_taken", person=person, on_phone=on_phone)
    return ctx.say("em_hold_taken_anon", on_phone=on_phone)


class EmergencyFlow(SlotFlow):
    """Never hands over for answers it cannot use: an unusable answer twice leaves that
    detail empty and the report goes on (the technician calls back and asks)."""

    name = "emergency"
    intents = frozenset({"emergency"})
    handles_no_match = True
    sticky = True
    slot_kinds: ClassVar[dict[str, str]] = {"name": "name", "phone": "phone", "address": "place"}
    change_words: ClassVar[dict[str, tuple[str, ...]]] = {
        **SlotFlow.change_words,
        "address": ("adresse", "anschrift", "straße", "hausnummer", "address", "street"),
    }

    def __init__(self, ctx: FlowContext, found: Detection | None = None) -> None:
        super().__init__(ctx)
        self.found = found
        self.real: bool | None = None
        self.stage = "classify"  # what | is_real | confirm_kind; then slots
        self.description: list[str] = []
        #: Set by commit when the caller is to wait on the line for the technician.
        self.hold: TechnicianHold | None = None

    @property
    def kind(self) -> str:
        return self.found.kind.kind if self.found else "unknown"

    def _label(self, business: bool = False) -> str:
        lang = self.ctx.profile.language if business else self.ctx.language
        if self.found is not None:
            return self.found.kind.label.get(lang)
        return "Notfall" if lang == "de" else "emergency"

    def awaiting_yes_no(self) -> bool:
        return self.stage in ("is_real", "confirm_kind") or super().awaiting_yes_no()

    def accepts(self, u: Utterance) -> bool:
        if self.stage in ("what", "is_real", "confirm_kind"):
            return True
        return super().accepts(u)

    def _detect(self, u: Utterance) -> Detection | None:
        return detect(self.ctx.profile, u.reading, u.norm, self.ctx.lexicon())

    async def begin(self, u: Utterance | None) -> Step:
        if u is not None and u.text:
            self.description.append(u.text.strip())
            self.found = self.found or self._detect(u)
            address = values.street_address(u)
            if address:
                self.values["address"] = address
        if self.found is None:
            self.stage = "what"
            self.asked = [self.ctx.say("em_what")]
            return Step(list(self.asked))
        return await self._classify(u)

    async def _classify(self, u: Utterance | None) -> Step:
        found = self.found
        assert found is not None
        if not found.real:
            return await self._decided(False)
        if found.needs_confirming:
            self.stage = "confirm_kind"
            confirm = found.kind.confirm
            assert confirm is not None
            self.asked = [confirm.get(self.ctx.language)]
            return Step(list(self.asked))
        return await self._decided(True)

    async def _decided(self, real: bool) -> Step:
        ctx = self.ctx
        self.real, self.stage = real, "slots"
        kind = self.found.kind if self.found else None
        advice = [kind.advice.get(ctx.language)] if kind and kind.advice else []
        if real and ctx.is_open():  # people are there: straight to them
            await ctx.perform(Handover(ctx.profile.handover.office, self.summary(), "emergency"))
            return Step([*advice, ctx.say("em_office")], done=True, end="handover")
        if real:
            self.slot_names = ("address", "phone")
            return await self._start_slots([*advice, ctx.say("em_calling")])
        self.slot_names = ("name", "phone")
        intro = [ctx.say("em_not_real"), *advice, ctx.say("em_next_day", due=ctx.due())]
        return await self._start_slots(intro)

    async def _start_slots(self, say: list[str]) -> Step:
        step = await SlotFlow.begin(self, None)
        return Step([*say, *step.say])

    async def handle(self, u: Utterance) -> Step:
        if self.stage == "slots":
            return await super().handle(u)
        self.description.append(u.text.strip() or (u.dtmf or ""))
        if self.stage == "what":
            self.found = self._detect(u)
            if self.found is not None:
                return await self._classify(u)
            self.stage = "is_real"
            self.asked = [self.ctx.say("em_is_real")]
            return Step(list(self.asked))
        found = self.found
        confirmed = found is not None and said_any(
            found.kind.real_if, u.reading, u.norm, self.ctx.lexicon()
        )
        if u.yes is True or confirmed:
            return await self._decided(True)
        if u.yes is False:
            return await self._decided(False)
        return Step(self.question(), understood=False)

    def _phone(self) -> str:
        """The number given, else the caller's own (when an answer could not be used)."""
        return str(self.values.get("phone") or self.ctx.caller_number or "")

    def readback(self) -> str:
        unknown = self.ctx.say("unknown_name")
        phone = say_phone(self._phone()) if self._phone() else unknown
        if self.real:
            address = self.values["address"] or unknown
            return self.ctx.say("em_readback", address=address, phone=phone)
        name = self.values["name"] or unknown
        return self.ctx.say("message_readback", text=self._label(), name=name, phone=phone)

    async def commit(self) -> Step:
        v = {k: str(x) for k, x in self.values.items()}
        v["phone"] = self._phone()
        ctx, what = self.ctx, " / ".join(d for d in self.description if d)
        if not self.real:
            due = ctx.next_working_day()
            text = f"{self._label(business=True)}: {what}"
            await ctx.perform(Save(Message("callback", v["name"], v["phone"], text,
                                           f"not_emergency:{self.kind}", due)))  # fmt: skip
            return Step([ctx.say("callback_done", due=ctx.due())], done=True)
        name = ctx.known.get("name", "")
        if ctx.profile.on_call is None:
            message = Message("message", name, v["phone"], self.summary(), "emergency")
            await ctx.perform(Save(message))
            return Step([ctx.say("em_no_oncall")], done=True)
        emergency = Emergency(self.kind, name, v["phone"], v["address"], what)
        await ctx.perform(StartEscalation(emergency))
        if ctx.profile.on_call.caller_hold_s > 0:
            self.hold = TechnicianHold(v["phone"])
            return Step([ctx.say("em_hold")], done=True)
        return Step([ctx.say("em_escalated", phone=say_phone(v["phone"]))], done=True,
                    end="hangup")  # fmt: skip

    def summary(self) -> str:
        de = self.ctx.profile.language == "de"
        parts = [("Notfall: " if de else "Emergency: ") + self._label(business=True)]
        if self.values.get("address"):
            parts.append(("Adresse: " if de else "Address: ") + str(self.values["address"]))
        if self.values.get("phone"):
            parts.append(("Rückruf: " if de else "Call back: ") + str(self.values["phone"]))
        if self.description:
            parts.append(" / ".join(self.description))
        return "; ".join(parts)
