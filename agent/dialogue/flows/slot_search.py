"""Finding slots to offer from what the caller wants, and recognising their choice.

Used by booking and rescheduling. A wish ("Dienstag um 10", "nächste Woche
nachmittags", "so bald wie möglich", "später") becomes a :class:`Wish`; the search
answers with the exact slot when it is free, else a few offers spread over the day.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from agent.actions.calendar import Calendar
from agent.actions.slots import Slot

from ..context import FlowContext
from ..cues import means_asap, names_a_day, ordinal_choice, wants_later
from ..datetime_speech import say_datetime, say_on, say_slots
from ..utterance import Utterance

OFFERS = 3
_PARTS = {"early": (0, 10), "forenoon": (0, 12), "noon": (11, 14), "afternoon": (12, 24),
          "evening": (16, 24), "night": (18, 24)}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Wish:
    day: date | None = None
    at: time | None = None
    part: str | None = None
    until: date | None = None  # a range of days [day, until)
    after: datetime | None = None  # "später": after this moment


def wish_from(u: Utterance, anchor: date | None = None, keep: time | None = None) -> Wish | None:
    """What ``u`` asks for. ``anchor``: the day in question when only a time is said
    ("um 15 Uhr" while talking about Thursday); ``keep``: the time kept when only a day
    is said ("nein, Donnerstag" after "Dienstag um 10")."""
    for value, grain, entity in u.times():
        day = value.date()
        if grain == "time":
            if anchor is not None and not names_a_day(entity.text):
                day = anchor
            return Wish(day=day, at=value.time())
        if grain == "part_of_day":
            return Wish(day=day, part=entity.info.get("part"))
        if grain == "week":
            return Wish(day=day, until=day + timedelta(days=7))
        if grain == "month":
            return Wish(day=day, until=(day.replace(day=28) + timedelta(days=4)).replace(day=1))
        return Wish(day=day, at=keep)
    if means_asap(u.norm):
        return Wish()
    return None


def _spread(slots: list[Slot], n: int = OFFERS) -> list[Slot]:
    """Up to ``n`` slots at least two hours apart (or on different days), earliest first."""
    out: list[Slot] = []
    for s in slots:
        if (
            not out
            or s.start.date() != out[-1].start.date()
            or (s.start - out[-1].start >= timedelta(hours=2))
        ):
            out.append(s)
        if len(out) == n:
            break
    return out


def _around(slots: list[Slot], wanted: datetime) -> list[Slot]:
    """The nearest free slot before and after ``wanted`` (or the two nearest)."""
    before = [s for s in slots if s.start < wanted]
    after = [s for s in slots if s.start > wanted]
    if before and after:
        return [before[-1], after[0]]
    return sorted(sorted(slots, key=lambda s: abs(s.start - wanted))[:2], key=lambda s: s.start)


def _in_part(part: str | None, tz_start: datetime) -> bool:
    if part is None:
        return True
    lo, hi = _PARTS.get(part, (0, 24))
    return lo <= tz_start.hour < hi


@dataclass(frozen=True, slots=True)
class Found:
    exact: Slot | None
    offers: list[Slot]
    say: list[str]


class SlotFinder:
    def __init__(self, ctx: FlowContext, calendar: Calendar) -> None:
        self.ctx = ctx
        self.calendar = calendar

    async def find(self, wish: Wish, type_name: str) -> Found:
        ctx = self.ctx
        lang = ctx.language
        now = ctx.now()
        horizon = now + timedelta(days=ctx.profile.booking_horizon_days)
        if wish.after is not None:
            later = await self.calendar.free_slots(
                wish.after + timedelta(minutes=1), horizon, appointment_type=type_name, limit=40
            )
            return self._offer(_spread(later), [])
        if wish.day is None:
            soon = await self.calendar.free_slots(now, horizon, appointment_type=type_name)
            return self._offer(_spread(soon), [])
        last = wish.until or wish.day
        slots = await self.calendar.free_slots(
            wish.day, last - timedelta(days=1) if wish.until else last,
            appointment_type=type_name, limit=60,
        )  # fmt: skip
        tz = ctx.profile.tz
        slots = [s for s in slots if _in_part(wish.part, s.start.astimezone(tz))]
        if wish.at is not None:
            wanted = datetime.combine(wish.day, wish.at, tzinfo=tz)
            hit = next((s for s in slots if s.start == wanted), None)
            if hit is not None:
                return Found(hit, [], [ctx.say("appt_free", when=say_datetime(wanted, lang))])
            note = [ctx.say("appt_taken", when=say_datetime(wanted, lang))]
            near = _around(slots, wanted)
            if near:
                return self._offer(near, note)
        elif slots:
            return self._offer(_spread(slots), [])
        else:
            note = [ctx.say("appt_day_full", day=say_on(wish.day, lang))]
        start = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz)
        after = await self.calendar.free_slots(start, horizon, appointment_type=type_name)
        return self._offer(_spread(after), note)

    def _offer(self, offers: list[Slot], note: list[str]) -> Found:
        if not offers:
            return Found(None, [], [*note, self.ctx.say("appt_nothing")])
        text = say_slots(offers, self.ctx.profile, self.ctx.language)
        return Found(None, offers, [*note, self.ctx.say("appt_offer", slots=text)])


def choose(u: Utterance, offers: list[Slot], tz_of: datetime) -> Slot | None:
    """The offered slot ``u`` picks ('den zweiten', 'um 10', 'Mittwoch', 'ja' to one offer)."""
    if not offers:
        return None
    idx = ordinal_choice(u.norm)
    if idx is not None and -len(offers) <= idx < len(offers):
        return offers[idx]
    tz = tz_of.tzinfo
    for value, grain, _ in u.times():
        local = [(s, s.start.astimezone(tz)) for s in offers]
        if grain == "time":
            same = [s for s, t in local if t == value] or [
                s for s, t in local if t.time() == value.time()
            ]
        elif grain in ("day", "part_of_day"):
            same = [s for s, t in local if t.date() == value.date()]
            if grain == "part_of_day":
                part = _PARTS.get(_part(u), (0, 24))
                same = [s for s in same if part[0] <= s.start.astimezone(tz).hour < part[1]]
        else:
            same = []
        if len(same) == 1:
            return same[0]
    if u.yes is True and len(offers) == 1:
        return offers[0]
    return None


def _part(u: Utterance) -> str:
    e = u.entity("time")
    return (e.info.get("part") if e else None) or ""


def later_wish(u: Utterance, offers: list[Slot]) -> Wish | None:
    if offers and wants_later(u.norm):
        return Wish(after=offers[-1].start)
    return None


def with_day(wish: Wish, day: date) -> Wish:
    return replace(wish, day=day)
