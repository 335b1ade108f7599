"""A scripted caller for the engine: say(), key(), silence(); every turn is kept."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from agent.actions.calendar import InMemoryCalendar
from agent.actions.records import InMemoryRecordStore
from agent.dialogue.actions import Action
from agent.dialogue.engine import DialogueEngine
from agent.dialogue.rules_nlu import RulesNlu
from agent.dialogue.turn import Turn
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
    def actions(self) -> list[Action]:
        return [a for t in self.turns for a in t.actions]

    def actions_of(self, kind: type) -> list[Action]:
        return [a for a in self.actions if isinstance(a, kind)]

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
