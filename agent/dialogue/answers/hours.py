"""Opening hours for the moment the caller asks about: now, today ("bis wann heute"),
a weekday, tomorrow morning, the weekend, a date or a holiday; and when someone is there
again. True for the call's moment, from the profile's hours and holidays."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta

from agent.profile import WEEKDAYS, BusinessProfile, TimeSpan

from ..context import FlowContext
from ..cues import has_word_phrase
from ..datetime_speech import say_due, say_on, say_opening_hours, say_time
from ..say import say_list
from ..utterance import Utterance
from .result import Answer, asking

_WHEN_AGAIN = ("wieder", "wann machen", "wann macht", "wann öffnen", "wann sind sie",
               "wann seid ihr", "ab wann", "when do you open", "when are you", "again",
               "next open", "open again")  # fmt: skip
_UNTIL = ("bis wann", "wie lange haben", "wie lange habt", "wie lang habt", "wie lang habts",
          "wie lange sind", "wie lange seid", "wie lang seids", "wie lange ist", "wie lang ist",
          "wie lange noch", "wie lang noch", "until when", "how long are you", "till when",
          "until what time", "what time do you close", "wann schließen", "wann macht ihr zu",
          "wann machen sie zu")  # fmt: skip


def spans_on(profile: BusinessProfile, day: date) -> list[TimeSpan]:
    if day in profile.holidays:
        return []
    return list(profile.opening_hours.spans(WEEKDAYS[day.weekday()]))


def next_opening(profile: BusinessProfile, after: datetime) -> datetime | None:
    """The next moment the office opens after ``after`` (local)."""
    day = after.date()
    for _ in range(370):
        for span in spans_on(profile, day):
            start = datetime.combine(day, span.start, tzinfo=after.tzinfo)
            if start > after:
                return start
        day += timedelta(days=1)
    return None


_OPEN_VERBS = ("haben", "habt", "hams", "habts", "ham", "sind", "seid", "seids", "ist", "is")


def _asks_about_hours(u: Utterance) -> bool:
    if not asking(u):
        return False
    if u.has("duration") and not u.has("hours"):
        return False
    toks = u.norm.split()
    if toks and toks[-1] in ("auf", "zu", "offen") and any(t in _OPEN_VERBS for t in toks[:3]):
        return True  # "haben Sie am Samstag auf?" ("auf Lager" is no opening hour)
    return u.has("hours") or any(has_word_phrase(u.norm, p) for p in (*_UNTIL, *_WHEN_AGAIN))


def _day_asked(ctx: FlowContext, u: Utterance) -> tuple[date | None, str | None]:
    """The day the question is about (None: now / in general) and a part of the day."""
    for value, grain, entity in u.times():
        if grain in ("day", "part_of_day", "time"):
            return value.date(), entity.info.get("part") if grain == "part_of_day" else None
        if grain == "week":
            return value.date(), None
    if u.has("weekend"):
        today = ctx.now().date()
        return today + timedelta(days=(5 - today.weekday()) % 7), None
    return None, None


def _say_spans(spans: list[TimeSpan], ctx: FlowContext) -> str:
    lang = ctx.language
    parts = [
        ctx.phrase("hours_span", start=say_time(s.start, lang).removesuffix(" Uhr"),
                   end=say_time(s.end, lang))
        for s in spans
    ]  # fmt: skip
    return say_list(parts, lang, "and")


def _say_next(ctx: FlowContext, at: datetime) -> str:
    """'morgen ab 7:30 Uhr' / 'am Montag, den 30. November ab 7:30 Uhr'."""
    lang = ctx.language
    return ctx.phrase("hours_from", day=say_due(at.date(), ctx.now(), lang),
                      time=say_time(at.time(), lang))  # fmt: skip


def _again(ctx: FlowContext, after: datetime) -> str:
    nxt = next_opening(ctx.profile, after)
    return ctx.say("hours_again", next=_say_next(ctx, nxt)) if nxt else ""


def _now(ctx: FlowContext) -> list[str]:
    profile, now = ctx.profile, ctx.now()
    spans = spans_on(profile, now.date())
    current = next((s for s in spans if s.contains(now.time())), None)
    if current is not None:
        return [ctx.say("hours_now_open", until=say_time(spans[-1].end, ctx.language))]
    later = [s for s in spans if s.start > now.time()]
    if later and any(s.end <= now.time() for s in spans):
        return [ctx.say("hours_now_break", time=say_time(later[0].start, ctx.language))]
    return [ctx.say("hours_now_closed"), _again(ctx, now)]


def _today(ctx: FlowContext) -> list[str]:
    now = ctx.now()
    spans = spans_on(ctx.profile, now.date())
    if not spans:  # closed all day: a holiday or the weekend
        return _on_day(ctx, now.date(), None)
    if spans[-1].end <= now.time():
        return [ctx.say("hours_today_over"), _again(ctx, now)]
    said = [ctx.say("hours_today", until=say_time(spans[-1].end, ctx.language))]
    gaps = [(a.end, b.start) for a, b in itertools.pairwise(spans)]
    gaps = [g for g in gaps if g[1] > now.time()]
    if gaps:
        said.append(
            ctx.say(
                "hours_break",
                start=say_time(gaps[0][0], ctx.language).removesuffix(" Uhr"),
                end=say_time(gaps[0][1], ctx.language),
            )
        )
    return said


def _on_day(ctx: FlowContext, day: date, part: str | None, until: bool = False) -> list[str]:
    profile, lang, now = ctx.profile, ctx.language, ctx.now()
    when = say_due(day, now, lang) if day - now.date() <= timedelta(days=1) else say_on(day, lang)
    spans = spans_on(profile, day)
    if not spans:
        key = "hours_day_holiday" if day in profile.holidays else "hours_day_closed"
        start = datetime.combine(day, time(23, 59), tzinfo=now.tzinfo)
        return [ctx.say(key, day=when), _again(ctx, start)]
    if until:  # "und am Freitag, bis wann seid ihr da?"
        return [ctx.say("hours_day_until", day=when, time=say_time(spans[-1].end, lang))]
    if part in ("early", "forenoon", "morning"):
        return [ctx.say("hours_day_from", day=when, time=say_time(spans[0].start, lang))]
    return [ctx.say("hours_day_open", day=when, spans=_say_spans(spans, ctx))]


def _leans_on_hours(ctx: FlowContext, u: Utterance) -> bool:
    """'und am Samstag?' right after an answer about the opening hours."""
    toks = u.norm.split()
    return (
        ctx.last_topic == "hours"
        and 2 <= len(toks) <= 5
        and toks[0] in ("und", "and", "aber", "but", "what", "how")
        and _day_asked(ctx, u)[0] is not None
    )


def about_hours(ctx: FlowContext, u: Utterance, _type: str | None) -> Answer | None:
    if not _asks_about_hours(u) and not _leans_on_hours(ctx, u):
        return None
    day, part = _day_asked(ctx, u)
    today = ctx.now().date()
    norm = u.norm
    again = any(has_word_phrase(norm, p) for p in _WHEN_AGAIN)
    until = any(has_word_phrase(norm, p) for p in _UNTIL)
    if day is not None and day != today:
        says = _on_day(ctx, day, part, until)
        if again and not until and spans_on(ctx.profile, day):
            says = [
                ctx.say(
                    "hours_day_from",
                    day=say_due(day, ctx.now(), ctx.language),
                    time=say_time(spans_on(ctx.profile, day)[0].start, ctx.language),
                )
            ]
    elif again and not until:
        return Answer((_again(ctx, ctx.now()),), "hours")
    elif any(has_word_phrase(norm, p) for p in _UNTIL) or day == today:
        says = _today(ctx)
    elif u.has("now"):
        says = _now(ctx)
    else:
        fact = next((f for f in ctx.profile.facts if f.topic == "opening_hours"), None)
        general = (
            fact.answer.get(ctx.language)
            if fact
            else ctx.say("hours_week", hours=say_opening_hours(ctx.profile, ctx.language))
        )
        return Answer((general,), "hours")
    return Answer(tuple(s for s in says if s), "hours")
