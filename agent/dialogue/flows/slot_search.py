"""Finding slots to offer from what the caller wants, and recognising their choice.

Used by booking and rescheduling. A wish ("Dienstag um 10", "nächste Woche
nachmittags", "heute ab drei", "so bald wie möglich", "später") becomes a
:class:`Wish`; the search answers with the exact slot when it is free, else the true
reason it is not (closed that day, outside the hours, off the grid, too soon, taken)
and the nearest free times.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from agent.actions.calendar import Calendar
from agent.actions.slots import Slot, appointment_type, is_working_day
from agent.profile import WEEKDAYS, BusinessProfile

from ..context import FlowContext
from ..cues import means_asap, names_a_day, ordinal_choice, wants_later
from ..datetime_speech import say_at, say_datetime, say_on, say_slots
from ..utterance import Utterance

OFFERS = 3
#: Parts of the day (hours [from, to)).
PARTS = {"early": (0, 10), "forenoon": (0, 12), "morning": (0, 12), "noon": (11, 14),
         "afternoon": (12, 24), "evening": (16, 24), "night": (18, 24)}  # fmt: skip
_FROM = re.compile(r"\b(?:ab|nach|später als|frühestens|after|from|not before)\s+(?:\S+\s+)?$")
_UNTIL = re.compile(r"\b(?:bis|vor|spätestens|before|by|until|no later than)\s+(?:\S+\s+)?$")


@dataclass(frozen=True, slots=True)
class Wish:
    day: date | None = None
    at: time | None = None
    part: str | None = None
    until: date | None = None  # a range of days [day, until)
    after: datetime | None = None  # "später": after this moment
    from_time: time | None = None  # "ab drei"
    until_time: time | None = None  # "vor zehn"


_QUALIFIED = re.compile(
    r"\b(?P<how>ab|nach|später als|frühestens|after|from|not before|bis|vor|spätestens|"
    r"before|by|until|no later than)\s+(?:\S+\s+){0,2}?(?P<n>\d{1,2}|\w+)(?:\s*uhr)?\s*$",
    re.IGNORECASE,
)
_EN_HOURS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
             "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}  # fmt: skip


#: Words before "nach"/"vor" that make it part of the time ("Viertel nach zehn").
_MINUTES = frozenset(
    [
        "viertel",
        "fünf",
        "zehn",
        "zwanzig",
        "kurz",
        "halb",
        "five",
        "ten",
        "twenty",
        "quarter",
        "5",
        "10",
        "20",
    ]
)


def _said_with(text: str, words: tuple[str, ...]) -> bool:
    toks = text.lower().split()
    return any(t in words and (n == 0 or toks[n - 1] not in _MINUTES) for n, t in enumerate(toks))


def _qualifier(u: Utterance, text: str, start: int) -> str | None:
    """'from' when "ab"/"nach"/"after" comes with the time, 'until' for "bis"/"vor"
    ("Viertel nach zehn" is a time, not "after ten")."""
    before = u.standard[:start].lower()
    if _FROM.search(before) or _said_with(text, ("ab", "nach", "after", "from")):
        return "from"
    if _UNTIL.search(before) or _said_with(text, ("bis", "vor", "before", "until")):
        return "until"
    return None


def _loose_hour(u: Utterance) -> tuple[str, time] | None:
    """'after three', 'ab drei' when no time was recognised: the hour in business time."""
    from agent.understanding.entities.numbers import number_value

    m = _QUALIFIED.search(u.norm)
    if m is None:
        return None
    word = m.group("n")
    value = _EN_HOURS.get(word) or (int(word) if word.isdigit() else number_value(word))
    if value is None or not 1 <= value <= 23:
        return None
    hour = int(value) + 12 if value < 7 else int(value)
    how = "from" if m.group("how") in ("ab", "nach", "später als", "frühestens", "after",
                                       "from", "not before") else "until"  # fmt: skip
    return how, time(hour % 24)


def wish_from(u: Utterance, anchor: date | None = None, keep: time | None = None) -> Wish | None:
    """What ``u`` asks for. ``anchor``: the day in question when only a time or a part of
    the day is said ("um 15 Uhr", "am Nachmittag" while talking about Thursday); ``keep``:
    the time kept when only a day is said ("nein, Donnerstag" after "Dienstag um 10").
    Said twice ("am Dienstag, nee, Mittwoch um halb neun"): the last one counts; a day
    and a time said apart ("am Donnerstag, den 26., um 14 Uhr") are one wish."""
    times = u.times()
    loose = _loose_hour(u)
    if times:
        main = next((t for t in reversed(times) if names_a_day(t[2].text)), times[-1])
        after = times[times.index(main) + 1 :]
        if main[1] == "day" and after and after[0][1] == "time":  # "am 26., um 14 Uhr"
            main = (datetime.combine(main[0].date(), after[0][0].time(), main[0].tzinfo),
                    "time", after[0][2])  # fmt: skip
            day: date | None = main[0].date()
        elif names_a_day(main[2].text):
            day = main[0].date()
        else:
            day = anchor
        value, grain, entity = main
        if grain == "day" and loose is not None:  # "thursday after three"
            how, at = loose
            return Wish(day=day, from_time=at) if how == "from" else Wish(day=day, until_time=at)
        if grain == "time":
            qualified = _qualifier(u, entity.text, entity.start)
            if qualified == "from":
                return Wish(day=day, from_time=value.time())
            if qualified == "until":
                return Wish(day=day, until_time=value.time())
            return Wish(day=day or value.date(), at=value.time())
        if grain == "part_of_day":
            part = entity.info.get("part")
            return Wish(part=part) if day is None else Wish(day=day, part=part)
        if grain == "week":
            return Wish(day=value.date(), until=value.date() + timedelta(days=7))
        if grain == "month":
            first = value.date()
            return Wish(day=first, until=(first.replace(day=28) + timedelta(days=4)).replace(day=1))
        return Wish(day=value.date(), at=keep)
    if loose is not None:
        how, at = loose
        return Wish(day=anchor, from_time=at) if how == "from" else Wish(day=anchor, until_time=at)
    if means_asap(u.norm, u.language):
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


def _fits(wish: Wish, local: datetime) -> bool:
    if wish.part is not None:
        lo, hi = PARTS.get(wish.part, (0, 24))
        if not lo <= local.hour < hi:
            return False
    if wish.from_time is not None and local.time() < wish.from_time:
        return False
    return not (wish.until_time is not None and local.time() >= wish.until_time)


def refusal(profile: BusinessProfile, type_name: str, start: datetime, now: datetime) -> str:
    """Why ``start`` cannot be booked (it is not among the free slots): closed, outside,
    grid, past, too_soon, horizon or taken."""
    local = start.astimezone(profile.tz)
    day = local.date()
    if not is_working_day(profile, day):
        return "closed"
    duration = timedelta(minutes=appointment_type(profile, type_name).duration_min)
    step = timedelta(minutes=profile.slot_step_min)
    inside = None
    for span in profile.opening_hours.spans(WEEKDAYS[day.weekday()]):
        open_at = datetime.combine(day, span.start, tzinfo=profile.tz)
        close_at = datetime.combine(day, span.end, tzinfo=profile.tz)
        if open_at <= local and local + duration <= close_at:
            inside = open_at
            break
    if inside is None:
        return "outside"
    if (local - inside) % step:
        return "grid"
    if start <= now:
        return "past"
    if start < now + timedelta(minutes=profile.booking_notice_min):
        return "too_soon"
    if start > now + timedelta(days=profile.booking_horizon_days):
        return "horizon"
    return "taken"


@dataclass(frozen=True, slots=True)
class Found:
    exact: Slot | None
    offers: list[Slot]
    say: list[str]


class SlotFinder:
    def __init__(self, ctx: FlowContext, calendar: Calendar) -> None:
        self.ctx = ctx
        self.calendar = calendar

    async def _free(self, start: date | datetime, end: date | datetime | None, type_name: str,
                    limit: int = 80) -> list[Slot]:  # fmt: skip
        return await self.calendar.free_slots(start, end, appointment_type=type_name, limit=limit)

    async def find(self, wish: Wish, type_name: str) -> Found:
        ctx = self.ctx
        now = ctx.now()
        tz = ctx.profile.tz
        horizon = now + timedelta(days=ctx.profile.booking_horizon_days)
        if wish.after is not None:
            later = await self._free(wish.after + timedelta(minutes=1), horizon, type_name)
            return self._offer(_spread(later), [])
        if wish.day is None:
            soon = await self._free(now, horizon, type_name, limit=200)
            return self._offer(_spread([s for s in soon if _fits(wish, s.start.astimezone(tz))]),
                               [])  # fmt: skip
        if wish.at is not None:
            return await self._exact(wish, type_name)
        last = wish.until or wish.day
        end = last - timedelta(days=1) if wish.until else last
        slots = [s for s in await self._free(wish.day, end, type_name)
                 if _fits(wish, s.start.astimezone(tz))]  # fmt: skip
        if slots:
            return self._offer(_spread(slots), [])
        note = self._day_note(wish, type_name)
        start = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz)
        after = await self._free(start, horizon, type_name, limit=200)
        if wish.part or wish.from_time or wish.until_time:  # the same part of another day
            same = [s for s in after if _fits(wish, s.start.astimezone(tz))]
            after = same or after
        return self._offer(_spread(after), note)

    def _day_note(self, wish: Wish, type_name: str) -> list[str]:
        ctx, lang = self.ctx, self.ctx.language
        assert wish.day is not None
        day_said = say_on(wish.day, lang)
        if not is_working_day(ctx.profile, wish.day):
            return [ctx.say("appt_closed", day=day_said)]
        if wish.day == ctx.now().date():
            return [ctx.say("appt_today_full")]
        return [ctx.say("appt_day_full", day=day_said)]

    async def _exact(self, wish: Wish, type_name: str) -> Found:
        ctx, lang, tz = self.ctx, self.ctx.language, self.ctx.profile.tz
        assert wish.day is not None and wish.at is not None
        wanted = datetime.combine(wish.day, wish.at, tzinfo=tz)
        day_slots = await self._free(wish.day, wish.day, type_name)
        hit = next((s for s in day_slots if s.start == wanted), None)
        when = say_datetime(wanted, lang)
        if hit is not None:
            return Found(hit, [], [ctx.say("appt_free", when=when)])
        why = refusal(ctx.profile, type_name, wanted, ctx.now())
        note = [self._reason(why, wanted)]
        if why in ("outside", "grid", "taken") and day_slots:
            return self._offer(_around(day_slots, wanted), note)
        if why in ("too_soon", "past"):
            horizon = ctx.now() + timedelta(days=ctx.profile.booking_horizon_days)
            soon = await self._free(ctx.now(), horizon, type_name)
            return self._offer(_spread(soon), note)
        start = datetime.combine(wish.day + timedelta(days=1), time(0), tzinfo=tz)
        horizon = ctx.now() + timedelta(days=ctx.profile.booking_horizon_days)
        return self._offer(_spread(await self._free(start, horizon, type_name)), note)

    def _reason(self, why: str, wanted: datetime) -> str:
        ctx, lang = self.ctx, self.ctx.language
        if why == "closed":
            return ctx.say("appt_closed", day=say_on(wanted.date(), lang))
        if why == "outside":
            return ctx.say("appt_outside", at=say_at(wanted.time(), lang))
        if why == "grid":
            key = {60: "appt_grid_hour", 30: "appt_grid_half"}.get(
                ctx.profile.slot_step_min, "appt_grid_other"
            )
            return ctx.say(key, minutes=ctx.profile.slot_step_min)  # fmt: skip
        if why in ("too_soon", "past"):
            return ctx.say("appt_too_soon", when=say_datetime(wanted, lang))
        if why == "horizon":
            return ctx.say("appt_horizon")
        return ctx.say("appt_taken", when=say_datetime(wanted, lang))

    def _offer(self, offers: list[Slot], note: list[str]) -> Found:
        if not offers:
            return Found(None, [], [*note, self.ctx.say("appt_nothing")])
        text = say_slots(offers, self.ctx.profile, self.ctx.language)
        key = "appt_offer" if len(offers) > 1 else "appt_offer_one"
        return Found(None, offers, [*note, self.ctx.say(key, slots=text)])


def choose(u: Utterance, offers: list[Slot], tz_of: datetime) -> Slot | None:
    """The offered slot ``u`` picks ('den zweiten', 'den letzten', 'den um neun',
    'Mittwoch', 'ja' to a single offer)."""
    if not offers:
        return None
    idx = ordinal_choice(u.norm, u.language)
    if idx is not None and -len(offers) <= idx < len(offers):
        return offers[idx]
    tz = tz_of.tzinfo
    said = _clock_words(u)
    if said is not None and not u.times():  # "the nine thirty", "three is good"
        hour, minute = said
        same = [s for s in offers if s.start.astimezone(tz).hour % 12 == hour % 12
                and s.start.astimezone(tz).minute == minute]  # fmt: skip
        if len(same) == 1:
            return same[0]
    for value, grain, entity in u.times():
        local = [(s, s.start.astimezone(tz)) for s in offers]
        if grain == "time":
            same = [s for s, t in local if t == value] or [
                s for s, t in local if t.time() == value.time()
            ]
            if not same and not names_a_day(entity.text):  # "den um neun" = 9:00 or 21:00
                same = [s for s, t in local if t.hour % 12 == value.hour % 12
                        and t.minute == value.minute]  # fmt: skip
        elif grain in ("day", "part_of_day"):
            same = [s for s, t in local if t.date() == value.date()]
            if grain == "part_of_day":
                lo, hi = PARTS.get(entity.info.get("part") or "", (0, 24))
                pool = same or ([] if names_a_day(entity.text) else [s for s, _ in local])
                same = [s for s in pool if lo <= s.start.astimezone(tz).hour < hi]
        else:
            same = []
        if len(same) == 1:
            return same[0]
    if u.yes is True and len(offers) == 1:
        return offers[0]
    return None


def _clock_words(u: Utterance) -> tuple[int, int] | None:
    """An hour (and minutes) said without anything else: 'nine thirty', 'um drei'."""
    from agent.understanding.entities.numbers import alpha2digit

    said = alpha2digit(u.norm, u.language) if u.language == "en" else u.norm
    m = re.search(r"\b(\d{1,2})(?:[ :.](\d{2}))?\b", said)
    if m is None:
        return None
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    if not (0 < hour <= 24 and minute < 60):
        return None
    return hour, minute


def later_wish(u: Utterance, offers: list[Slot]) -> Wish | None:
    if offers and wants_later(u.norm, u.language):
        return Wish(after=offers[-1].start)
    return None


def with_day(wish: Wish, day: date) -> Wish:
    return replace(wish, day=day)
