"""``SlotFlow``: ask for slots in order, read back, confirm, correct.

``SlotFlow`` does the common work of most flows: it fills slots from the first
utterance ("einen Termin am Dienstag um 10"), asks for each missing one, reads all back
for a yes/no, and takes corrections at any point ("nein, Donnerstag", "nein, der Ort
ist Erding", or "den Namen" after "was soll ich ändern?"). Every slot has a kind whose
validator decides what counts as an answer (:mod:`agent.dialogue.values`): a question,
a pause or a side remark is never stored. Flows define ``fill`` for their own slots and
``commit``.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import ClassVar

from .. import values
from ..context import FlowContext
from ..cues import any_phrase, has_cue, is_closing, means_this_number, normalize
from ..say import say_phone
from ..utterance import Utterance
from .flow import CHANGE, CONFIRM, Fill, Flow, Step, phone_as_said

__all__ = ["CHANGE", "CONFIRM", "Fill", "Flow", "SlotFlow", "Step"]

#: A slot kind -> its validator (the value, or None when the utterance is no answer).
KINDS = {
    "name": values.person_name,
    "place": values.place,
    "amount": values.amount,
    "urgency": values.urgency,
    "text": values.free_text,
}


class SlotFlow(Flow):
    slot_names: tuple[str, ...] = ()
    #: Slot -> kind of value ("name", "phone", "place", "amount", "urgency", "text"); a
    #: slot not named here is the flow's own (its ``fill`` decides).
    slot_kinds: ClassVar[dict[str, str]] = {"name": "name", "phone": "phone"}
    #: Slots left empty after two answers that could not be used (a person asks later).
    optional: ClassVar[frozenset[str]] = frozenset()
    #: Slot -> the prompt key that asks for it.
    ask_keys: ClassVar[dict[str, str]] = {}
    #: Slot -> words naming it after "was soll ich ändern?" or in "nein, der Name ist ...".
    change_words: ClassVar[dict[str, tuple[str, ...]]] = {
        "name": ("name", "namen", "nachname", "vorname"),
        "phone": ("nummer", "telefon", "telefonnummer", "handynummer", "number", "phone"),
    }
    #: Slots remembered for later flows of the same call.
    shared: ClassVar[tuple[str, ...]] = ("name", "phone", "address")

    def __init__(self, ctx: FlowContext) -> None:
        super().__init__(ctx)
        self.values: dict[str, object] = {}
        self.pending: str | None = None
        self.fails: dict[str, int] = {}
        self._callerid_offered = False
        self._asking_callerid = False

    # -- to define ----------------------------------------------------------------------

    @abstractmethod
    def readback(self) -> str: ...

    @abstractmethod
    async def commit(self) -> Step: ...

    def parse(self, slot: str, u: Utterance) -> object | None:
        """``u``'s value for a slot of a standard kind (no side effects)."""
        kind = self.slot_kinds.get(slot)
        if kind == "phone":
            f = self._fill_phone(u, strict=False)
            return f.value if f is not None else None
        if kind == "place":
            return values.place(u, tuple(self.ctx.profile.area.places))
        validator = KINDS.get(kind or "")
        return validator(u) if validator is not None else None

    async def fill(self, slot: str, u: Utterance, strict: bool) -> Fill | None:
        """``u``'s value for ``slot``; ``strict``: only unmistakable evidence (an entity),
        as when the slot was not asked for."""
        kind = self.slot_kinds.get(slot)
        if kind == "phone":
            return self._fill_phone(u, strict)
        if kind == "name":
            if strict:  # only a name the caller says is theirs, not "Herr Müller soll ..."
                if not has_cue(u.norm, u.language, "name_said"):
                    return None
                person = u.entity("person")
                said = values.name_in_passing(u)
                value = said or (person.value if person else None)
                return Fill(value) if value else None
            name = values.person_name(u)
            return Fill(name) if name else None
        if strict and kind == "place":  # "nein, Guldeinstraße zwanzig" at the read-back
            street = values.street_address(u)
            return Fill(street) if street else None
        if strict or kind is None:
            return None
        parsed = self.parse(slot, u)
        return Fill(parsed) if parsed is not None else None

    async def before_ask(self, slot: str) -> Fill | None:
        """A chance to fill ``slot`` without asking (e.g. search the calendar)."""
        return None

    def ask(self, slot: str) -> list[str]:
        if slot == "phone" and self.ctx.caller_number and not self._callerid_offered:
            self._callerid_offered = True
            return [self.ctx.say("ask_phone_callerid", phone=say_phone(self.ctx.caller_number))]
        return [self.ctx.say(self.ask_keys.get(slot, f"ask_{slot}"))]

    # -- the machinery ------------------------------------------------------------------

    def _fill_phone(self, u: Utterance, strict: bool) -> Fill | None:
        number = u.entity("phone_number")
        if number is not None and strict and not _dialable(number.value):
            number = None  # "Hauptstraße 12, 80935 München" holds no phone number
        if number is not None:
            return Fill(phone_as_said(number.text, number.value))
        caller = self.ctx.caller_number
        if strict or caller is None:
            return None
        if means_this_number(u.norm, u.language) and u.yes is not False:
            return Fill(caller)
        if self.pending == "phone" and self._asking_callerid:
            if u.yes is True:
                return Fill(caller)
            if u.yes is False:
                return Fill(None, (self.ctx.say("ask_phone_other"),), asks=True)
        return None

    def awaiting_yes_no(self) -> bool:
        return self.pending == CONFIRM or (self.pending == "phone" and self._asking_callerid)

    def accepts(self, u: Utterance) -> bool:
        if self.pending in (CONFIRM, CHANGE):
            return (
                u.yes is not None
                or is_closing(u.norm, u.language)
                or self._names_slot(u) is not None
                or self._correction_evidence(u)
            )
        if self.pending == "phone":
            return self._fill_phone(u, strict=False) is not None
        if self.pending is not None and self.pending in self.slot_kinds:
            return self.parse(self.pending, u) is not None
        return True

    def _correction_evidence(self, u: Utterance) -> bool:
        return u.entity("phone_number") is not None or u.entity("person") is not None

    async def begin(self, u: Utterance | None) -> Step:
        for slot in self.shared:
            if slot in self.slot_names and slot in self.ctx.known:
                self.values.setdefault(slot, self.ctx.known[slot])
        say: list[str] = []
        asked: str | None = None
        if u is not None:
            for slot in self.slot_names:
                if slot in self.values:
                    continue
                f = await self.fill(slot, u, strict=True)
                if f is not None:
                    say += f.say
                    self._store(slot, f.value)
                    asked = slot if f.asks else asked
        return await self.advance(say, asked)

    async def handle(self, u: Utterance) -> Step:
        if self.pending == CONFIRM:
            return await self._on_confirm(u)
        if self.pending == CHANGE:
            return await self._on_change(u)
        slot = self.pending
        if slot is None:
            return await self.advance([])
        f = await self.fill(slot, u, strict=False)
        if f is None:
            corrected = await self._corrections(u, skip=slot)
            if corrected is not None:
                return await self.advance(*corrected)
            return await self.not_understood(slot)
        self.fails.pop(slot, None)
        self._store(slot, f.value)
        say, asked = list(f.say), slot if f.asks else None
        if f.value is not None:  # "eine Badberatung, am Freitag": more than was asked
            for other in self.slot_names:
                if other in self.values or other == slot:
                    continue
                extra = await self.fill(other, u, strict=True)
                if extra is not None:
                    say += extra.say
                    self._store(other, extra.value)
                    asked = other if extra.asks else asked
        return await self.advance(say, asked)

    def _store(self, slot: str, value: object) -> None:
        if value is None:
            self.values.pop(slot, None)
            return
        self.values[slot] = value
        if slot in self.shared and isinstance(value, str) and value:
            self.ctx.known[slot] = value

    async def not_understood(self, slot: str) -> Step:
        self.fails[slot] = self.fails.get(slot, 0) + 1
        skip = self.handles_no_match or slot in self.optional
        if skip and self.fails[slot] >= 2 and slot not in (CONFIRM, CHANGE):
            self.values[slot] = ""  # skip it: a person will ask again
            return await self.advance([])
        return Step(self.question(), understood=False)

    async def advance(self, say: list[str], asked: str | None = None) -> Step:
        for slot in self.shared:  # told in another flow of this call meanwhile
            if slot in self.slot_names and slot not in self.values and slot in self.ctx.known:
                self.values[slot] = self.ctx.known[slot]
        while True:
            missing = next((s for s in self.slot_names if s not in self.values), None)
            if missing is None:
                self.pending = CONFIRM
                self._asking_callerid = False
                self.asked = [self.readback()]
                return Step(say + self.asked)
            self.pending = missing
            if missing == asked:
                self.asked = say[-1:] if say else self.ask(missing)
                self._asking_callerid = False
                return Step(say)
            f = await self.before_ask(missing)
            if f is not None:
                say = say + list(f.say)
                if f.value is not None:
                    self._store(missing, f.value)
                    continue
                if f.asks:
                    self.asked = list(f.say[-1:])
                    return Step(say)
            offered_before = self._callerid_offered
            self.asked = self.ask(missing)
            self._asking_callerid = self._callerid_offered and not offered_before
            return Step(say + self.asked)

    async def _corrections(
        self, u: Utterance, skip: str | None = None
    ) -> tuple[list[str], str | None] | None:
        said: list[str] = []
        changed = False
        asked: str | None = None
        for slot in self.slot_names:
            if slot == skip or slot not in self.values:
                continue
            f = await self.fill(slot, u, strict=True)
            if f is None or f.value == self.values.get(slot):
                continue
            changed = True
            said += f.say
            self._store(slot, f.value)
            asked = slot if f.asks else asked
        if not changed:
            return None
        return (said or [self.ctx.say("changed")]), asked

    async def _named_correction(self, u: Utterance) -> Step | None:
        """'nein, der Ort ist Erding': the slot named and its new value in one go."""
        slot = self._names_slot(u)
        if slot is None or slot not in self.slot_kinds:
            return None
        rest = u.restated(_without(u.standard, self.change_words[slot]))
        value = self.parse(slot, rest)
        if value is None or value == self.values.get(slot):
            return None
        self._store(slot, value)
        return await self.advance([self.ctx.say("changed")])

    async def _on_confirm(self, u: Utterance) -> Step:
        named = await self._named_correction(u)
        if named is not None:
            return named
        corrected = await self._corrections(u)
        if corrected is not None:
            return await self.advance(*corrected)
        if u.yes is True or (u.yes is None and is_closing(u.norm, u.language)):
            return await self.commit()
        if u.yes is False:
            slot = self._names_slot(u)
            if slot is not None:
                return self._reask(slot)
            self.pending = CHANGE
            self.asked = [self.ctx.say("what_change")]
            return Step(list(self.asked))
        slot = self._names_slot(u)
        if slot is not None:
            return self._reask(slot)
        return Step(self.question(), understood=False)

    async def _on_change(self, u: Utterance) -> Step:
        named = await self._named_correction(u)
        if named is not None:
            return named
        corrected = await self._corrections(u)
        if corrected is not None:
            return await self.advance(*corrected)
        slot = self._names_slot(u)
        if slot is not None:
            return self._reask(slot)
        if u.yes is False or u.yes is True:  # "nichts" / "nein, passt doch" / "doch, passt"
            self.pending = CONFIRM
            self.asked = [self.readback()]
            return Step(list(self.asked))
        return Step(self.question(), understood=False)

    def _names_slot(self, u: Utterance) -> str | None:
        for slot, words in self.change_words.items():
            if slot in self.slot_names and any_phrase(u.norm, words):
                return slot
        return None

    def _reask(self, slot: str) -> Step:
        self.values.pop(slot, None)
        self.pending = slot
        self._callerid_offered = True  # ask for the number itself this time
        self._asking_callerid = False
        self.asked = self.ask(slot)
        return Step(list(self.asked))


def _dialable(digits: str) -> bool:
    """A number that can be rung back: from 0 or +, at least 8 digits."""
    return digits.startswith(("0", "+")) and len(digits.lstrip("+")) >= 8


def _without(text: str, words: tuple[str, ...]) -> str:
    """``text`` without 'nein', the slot's words and 'ist'/'is' ('nein der Ort ist Erding'
    -> 'Erding')."""
    words_ = text.split()
    slot_words = {normalize(w) for w in words}
    for n, w in enumerate(words_):  # what follows the slot's name ("der Ort ist Erding")
        if normalize(w) in slot_words:
            rest = words_[n + 1 :]
            while rest and normalize(rest[0]) in _LINKS:
                rest = rest[1:]
            return " ".join(rest)
    return " ".join(w for w in words_ if normalize(w) not in {"nein", "nee", "no"})


_LINKS = frozenset("ist is lautet wäre heißt richtig korrekt neue neuer new sollte soll "
                   "should be was".split())  # fmt: skip
