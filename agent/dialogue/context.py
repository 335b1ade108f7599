"""What a flow may use: the profile, the language, the clock, the stores, the caller."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from agent.actions.calendar import Calendar
from agent.actions.records import RecordStore
from agent.domain import Command
from agent.profile import BusinessProfile, Language
from agent.understanding.meaning import Lexicon, lexicon_for

from . import executor
from .datetime_speech import say_due
from .office import is_open, next_working_day
from .prompts import phrase, say

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass
class FlowContext:
    profile: BusinessProfile
    language: Language
    clock: Clock
    calendar: Calendar
    records: RecordStore
    caller_number: str | None = None
    call_id: str | None = None
    #: What the caller told us once (name, phone, address), offered again by later flows.
    known: dict[str, str] = field(default_factory=dict)
    #: Actions performed in the current turn (the engine collects them).
    performed: list[Command] = field(default_factory=list)
    #: The topic of the last answer given ("hours"), for "und am Samstag?" after it.
    last_topic: str | None = None
    _lexicon: Lexicon | None = field(default=None, repr=False)

    def lexicon(self) -> Lexicon:
        """The language's concepts with the profile's own words added."""
        if self._lexicon is None:
            base = lexicon_for(self.language)
            extra = self.profile.concepts
            self._lexicon = base.extended(extra) if extra else base
        return self._lexicon

    def now(self) -> datetime:
        return self.clock().astimezone(self.profile.tz)

    def say(self, key: str, **values: Any) -> str:
        return say(key, self.language, **values)

    def phrase(self, key: str, **values: Any) -> str:
        """A part of a sentence, not capitalised."""
        return phrase(key, self.language, **values)

    def is_open(self) -> bool:
        return is_open(self.profile, self.now())

    def next_working_day(self) -> date:
        return next_working_day(self.profile, self.now())

    def due(self) -> str:
        """When the office will deal with it: 'heute' / 'am Dienstag, den 24. November'."""
        return say_due(self.next_working_day(), self.now(), self.language)

    async def perform(self, command: Command) -> str | None:
        """Do the command's bookkeeping (may raise, e.g. SlotTaken) and keep it for the turn."""
        done, result = await executor.perform(
            command,
            calendar=self.calendar,
            records=self.records,
            now=self.now(),
            call_id=self.call_id,
        )
        self.performed.append(done)
        log.info(
            "dialogue action",
            extra={"action": type(done).__name__, "call_id": self.call_id, "id": result},
        )
        return result
