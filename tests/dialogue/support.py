"""A scripted caller for the engine: say(), key(), silence(); every turn is kept."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from agent.actions.calendar import InMemoryCalendar
from agent.actions.records import InMemoryRecordStore
from agent.dialogue.engine import DialogueEngine
from agent.dialogue.rules_nlu import RulesNlu
from agent.dialogue.turn import Turn
from agent.domain import Command, Message, Save, StartEscalation
from agent.domain.records import Emergency, Record
from agent.profile import BusinessProfile, Language
from agent.understanding.nlu import NluBackend


@dataclass
class Call:
    engine: DialogueEngine
    calendar: InMemoryCalendar
    records: InMemoryRecordStore
    turns: list[Turn] = field(default_factory=list)

    @property
    def last(self) -> Turn:
        return self.turns[-1]

    @property
    def actions(self) -> list[Command]:
        return [a for t in self.turns for a in t.actions]

    def actions_of(self, kind: type) -> list[Command]:
        return [a for a in self.actions if isinstance(a, kind)]

    def saved(self, kind: type) -> list[Record]:
        """The records of that type the call saved (or escalated), in order."""
        out: list[Record] = []
        for a in self.actions:
            if isinstance(a, Save) and isinstance(a.record, kind):
                out.append(a.record)
            elif isinstance(a, StartEscalation) and kind is Emergency:
                out.append(a.emergency)
        return out

    def messages(self, kind: str | None = None) -> list[Message]:
        """Saved messages (``kind``: "callback" or "message" only)."""
        return [m for m in self.saved(Message) if isinstance(m, Message) and kind in (None, m.kind)]

    def emergencies(self) -> list[Emergency]:
        return [e for e in self.saved(Emergency) if isinstance(e, Emergency)]

    async def start(self) -> Turn:
        return self._keep(await self.engine.start())

    async def say(self, text: str) -> Turn:
        return self._keep(await self.engine.on_text(text))

    async def key(self, digit: str) -> Turn:
        return self._keep(await self.engine.on_dtmf(digit))

    async def silence(self) -> Turn:
        return self._keep(await self.engine.on_silence())

    async def script(self, *lines: str) -> Turn:
        for line in lines:
            await self.say(line)
        return self.last

    def _keep(self, turn: Turn) -> Turn:
        self.turns.append(turn)
        return turn


async def call(
    profile: BusinessProfile,
    now: datetime,
    *,
    language: Language | None = None,
    caller: str | None = None,
    nlu: NluBackend | None = None,
    calendar: InMemoryCalendar | None = None,
) -> Call:
    """A started call (greeting done) at ``now`` with the keyword backend."""
    cal = calendar or InMemoryCalendar(profile, lambda: now)
    records = InMemoryRecordStore()
    engine = DialogueEngine(
        profile,
        nlu or RulesNlu(),
        calendar=cal,
        records=records,
        clock=lambda: now,
        language=language,
        caller_number=caller,
    )
    c = Call(engine, cal, records)
    await c.start()
    return c
