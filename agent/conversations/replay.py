"""Replaying one scripted call through the real dialogue engine; what it left behind."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from agent.actions.calendar import Calendar, InMemoryCalendar
from agent.actions.records import InMemoryRecordStore, RecordStore
from agent.actions.slots import Slot, appointment_type
from agent.dialogue.engine import DialogueEngine
from agent.dialogue.simulate import parse_line
from agent.dialogue.turn import Turn
from agent.domain.commands import record_kind
from agent.jsonable import plain
from agent.profile import BusinessProfile, Language
from agent.understanding.nlu import NluBackend

from .script import RECORD_KINDS, ScriptedCall

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    """What a replayed call did: every line of both sides, the actions, the records."""

    end: str  # hangup | handover | hold | none
    lines: list[tuple[str, str]] = field(default_factory=list)  # (who, text)
    #: The assistant's replies to each caller line (index 0: the greeting).
    replies: list[list[str]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    error: str | None = None

    def assistant_text(self) -> str:
        return "\n".join(t for who, t in self.lines if who == "assistant")


def _as_dict(obj: Any) -> dict[str, Any]:
    data: dict[str, Any] = plain(dataclasses.asdict(obj))
    return data


async def _prebook(
    calendar: Calendar, profile: BusinessProfile, booked: list[str], caller: str | None
) -> None:
    """``"2026-11-24T10:00 Heizungswartung"`` blocks a slot for someone else; with a
    leading ``mine`` the appointment is the caller's own (to move or cancel)."""
    for entry in booked:
        mine = entry.startswith("mine ")
        when, _, kind = entry.removeprefix("mine ").partition(" ")
        start = datetime.fromisoformat(when).replace(tzinfo=profile.tz)
        duration = timedelta(minutes=appointment_type(profile, kind.strip()).duration_min)
        name, phone = ("Anna Huber", caller or "") if mine else ("Bestandskunde", "089111111")
        await calendar.book(Slot(start, start + duration, kind.strip()), name=name, phone=phone)


def _changed(
    before: Mapping[str, tuple[str, str]], appointments: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The appointments the call made, moved or cancelled."""
    return [a for a in appointments if before.get(a["id"]) != (a["start"], a["status"])]


async def _records(calendar: Calendar, records: RecordStore) -> dict[str, Any]:
    out: dict[str, list[dict[str, Any]]] = {k: [] for k in RECORD_KINDS}
    out["appointments"] = [_as_dict(a) for a in await calendar.appointments()]
    for kind in RECORD_KINDS[1:]:
        reader = getattr(records, kind, None)  # a store may not know every kind
        if reader is not None:
            out[kind] = [_as_dict(r) for r in await reader()]
    return out


async def replay(
    call: ScriptedCall,
    profile: BusinessProfile,
    nlu: NluBackend,
    language: Language,
    *,
    calendar: Calendar | None = None,
    records: RecordStore | None = None,
    call_id: str | None = None,
) -> Outcome:
    """``calendar`` and ``records``: the stores the call writes to (default: new ones in
    memory; PostgreSQL's for a scripted day in the database, e.g. the report's test)."""
    now = datetime.fromisoformat(call.moment()).replace(tzinfo=profile.tz)
    calendar = calendar or InMemoryCalendar(profile, lambda: now)
    await _prebook(calendar, profile, call.booked, call.caller)
    before = {a.id: (a.start.isoformat(), a.status) for a in await calendar.appointments()}
    records = records or InMemoryRecordStore()
    engine = DialogueEngine(
        profile, nlu, calendar=calendar, records=records, clock=lambda: now,
        language=language, caller_number=call.caller, call_id=call_id,
    )  # fmt: skip
    out = Outcome(end="none")

    def keep(turn: Turn, replies: list[str]) -> None:
        replies += turn.replies
        out.lines += [("assistant", r) for r in turn.replies]
        for a in turn.actions:
            out.actions.append({"type": type(a).__name__, "saves": record_kind(a), **_as_dict(a)})
        if turn.end:
            out.end = turn.end

    try:
        first: list[str] = []
        keep(await engine.start(), first)
        out.replies.append(first)
        for line in call.say:
            event = parse_line(line)
            if event is None:
                continue
            if engine.ended:
                out.lines.append(("caller", line))
                out.replies.append([])
                out.error = f"the call had ended before the caller said {line!r}"
                break
            kind, value = event
            out.lines.append(("caller", line))
            replies: list[str] = []
            if kind == "text":
                turn = await engine.on_text(value)
            elif kind == "dtmf":
                turn = await engine.on_dtmf(value)
            elif kind in ("ack", "noack"):
                turn = await engine.on_escalation_end(kind == "ack", value or None)
            else:
                turn = await engine.on_silence()
            keep(turn, replies)
            out.replies.append(replies)
    except Exception as exc:  # a crash is a failed call, not a failed run
        log.exception("conversation %s crashed", call.id)
        out.error = f"crashed: {type(exc).__name__}: {exc}"
    if out.end == "none" and engine.holding:
        out.end = "hold"
    out.records = await _records(calendar, records)
    out.records["appointments"] = _changed(before, out.records["appointments"])
    return out
