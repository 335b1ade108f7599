"""English date and time expressions -> ISO 8601 local datetimes (a smaller rule set).

today/tomorrow/the day after tomorrow/tonight, weekdays ("next tuesday",
"monday next week"), "next week", "the 27th (of november)", "november 27th",
"10 am", "at 3 pm", "10:30", "half past eight", "quarter to nine", "ten past
five", "eight thirty", "noon", parts of the day, "in two hours"; as Whisper writes
them too: "10 a.m.", "9.30am", "on 12/10" (month first), "10th December".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, timedelta

from .datetime_resolve import ClockTime, Piece, date_of_month, monday_of_week, next_weekday, resolve
from .entity import (
    BusinessHours,
    Entity,
    is_open_function,
    lower_same_length,
    make_entity,
    words,
)
from .numbers import text2num

EXTRACTOR = "rufbereit.datetime_en"

WEEKDAYS = {
    d: i for i, d in enumerate(words("monday tuesday wednesday thursday friday saturday sunday"))
}
MONTHS = {
    m: i + 1
    for i, m in enumerate(
        words(
            "january february march april may june july august september october november december"
        )
    )
}
MONTHS.update({m[:3]: v for m, v in list(MONTHS.items())} | {"sept": 9})
_UNITS = words("one two three four five six seven eight nine")
_SMALL = [*_UNITS, "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
          "seventeen", "eighteen", "nineteen"]  # fmt: skip
_TENS = ["twenty", "thirty", "forty", "fifty"]
NUMBERS: dict[str, int] = {w: text2num(w, "en") for w in [*_SMALL, *_TENS]}
NUMBERS.update({f"{t}{sep}{u}": text2num(f"{t} {u}", "en")
                for t in _TENS for u in _UNITS for sep in ("-", " ")})  # fmt: skip
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fifth": 5, "eighth": 8, "ninth": 9,
             "twelfth": 12, "twentieth": 20, "thirtieth": 30}  # fmt: skip


def _alt(words: Iterable[str]) -> str:
    return "(?:" + "|".join(sorted(map(re.escape, words), key=len, reverse=True)) + ")"


def _num(word: str) -> int:
    return int(word) if word.isdigit() else NUMBERS[word.replace("-", " ").replace("  ", " ")]


def _ordinal(word: str) -> int | None:
    m = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)?", word)
    if m:
        return int(m.group(1))
    if word in _ORDINALS:
        return _ORDINALS[word]
    if word.endswith("th") and word[:-2] in NUMBERS:
        return NUMBERS[word[:-2]]
    for prefix, tens in (("twenty", 20), ("thirty", 30)):
        rest = word[len(prefix) :].strip(" -")
        if word.startswith(prefix) and rest:
            unit = _ordinal(rest)
            return None if unit is None or unit > 9 else tens + unit
    return None


_H = rf"(?:{_alt([w for w, v in NUMBERS.items() if v <= 12])}|1[0-2]|0?\d|1\d|2[0-3])"
_M = rf"(?:{_alt([w for w, v in NUMBERS.items() if v >= 10])}|[0-5]\d)"
_ORD_WORD = r"(?:\d{1,2}(?:st|nd|rd|th)|(?:twenty|thirty)?[ -]?(?:first|second|third|fourth|" \
    r"fifth|sixth|seventh|eighth|ninth)|(?:ten|eleven|twelf|thirteen|fourteen|fifteen|" \
    r"sixteen|seventeen|eighteen|nineteen|twentie|thirtie)th)"  # fmt: skip
_MER = r"(?:\s*(?P<mer>a\.m\.|p\.m\.|am|pm)(?!\w))"
_NEXT = r"(?:next|this|coming|the coming)"
GAP = re.compile(r"^(?:[\s,]|\b(?:at|on|the|around|about|in|of|uh|um)\b)*$")

Handler = Callable[[re.Match[str], date], Piece | None]
_RULES: list[tuple[re.Pattern[str], Handler]] = []


def _rule(pattern: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _RULES.append((re.compile(pattern), fn))
        return fn

    return register


def _clock(m: re.Match[str], hour: int, minute: int) -> Piece | None:
    mer = (m.groupdict().get("mer") or "").replace(".", "")
    if mer and not 1 <= hour <= 12:
        return None
    if mer:
        hour = hour % 12 + (12 if mer == "pm" else 0)
    if not (0 <= hour <= 23 and 0 <= minute < 60):
        return None
    return Piece(m.start(), m.end(), clock=ClockTime(hour, minute, not mer and 1 <= hour <= 12))


@_rule(rf"\b(?P<h>[01]?\d|2[0-3]):(?P<m>[0-5]\d){_MER}?")
def _digital(m: re.Match[str], _: date) -> Piece | None:
    return _clock(m, int(m.group("h")), int(m.group("m")))


@_rule(
    rf"\b(?P<h>{_H}){_MER}|(?<=\bat )(?P<h2>{_H})(?:\s+o'?clock)?\b(?!:)"
    rf"|\b(?P<h3>{_H})\s+o'?clock\b"
)
def _hour(m: re.Match[str], _: date) -> Piece | None:
    return _clock(m, _num(m.group("h") or m.group("h2") or m.group("h3")), 0)


@_rule(rf"\b(?P<h>1[0-2]|0?[1-9])\.(?P<m>[0-5]\d){_MER}"
       r"|(?:(?<=\bat )|(?<=\baround )|(?<=\bby ))"
       r"(?P<h2>[01]?\d|2[0-3])\.(?P<m2>[0-5]\d)\b(?!\.\d)")  # fmt: skip
def _dotted(m: re.Match[str], _: date) -> Piece | None:
    """British "9.30am", "at 9.30" (Whisper writes both)."""
    hour, minute = m.group("h") or m.group("h2"), m.group("m") or m.group("m2")
    return _clock(m, int(hour), int(minute))


@_rule(rf"(?<=\bat )(?P<h>{_H})\s+(?P<m>{_M})\b{_MER}?")
def _h_m(m: re.Match[str], _: date) -> Piece | None:
    return _clock(m, _num(m.group("h")), _num(m.group("m")))


@_rule(rf"\b(?P<q>half|quarter|(?P<mn>{_M}|five|\d)(?:\s+minutes)?)\s+(?P<dir>past|after|to|before)"
       rf"\s+(?P<h>{_H})\b{_MER}?")  # fmt: skip
def _past_to(m: re.Match[str], _: date) -> Piece | None:
    q = m.group("q")
    minutes = 30 if q == "half" else 15 if q == "quarter" else _num(m.group("mn"))
    hour = _num(m.group("h"))
    if m.group("dir") in ("past", "after"):
        return _clock(m, hour, minutes)
    before = hour - 1 if hour >= 2 else 12
    return _clock(m, before, 60 - minutes)


@_rule(rf"\bhalf\s+(?P<h>{_H})\b(?!\s+(?:past|an hour|a))")
def _half_british(m: re.Match[str], _: date) -> Piece | None:
    """British 'half eight' is 8:30."""
    return _clock(m, _num(m.group("h")), 30)


@_rule(rf"\b(?P<h>{_H})\s+(?P<m>thirty|fifteen|forty[ -]five)\b{_MER}?")
def _spoken_h_m(m: re.Match[str], _: date) -> Piece | None:
    """'nine thirty', 'eight fifteen' without 'at'."""
    return _clock(m, _num(m.group("h")), {"thirty": 30, "fifteen": 15}.get(m.group("m"), 45))


@_rule(r"\b(?:noon|midday|midnight)\b")
def _noon(m: re.Match[str], _: date) -> Piece | None:
    return Piece(
        m.start(), m.end(), clock=ClockTime(0 if m.group(0) == "midnight" else 12, 0, False)
    )


_PARTS = {"morning": "forenoon", "afternoon": "afternoon", "evening": "evening",
          "night": "night", "tonight": "evening"}  # fmt: skip


@_rule(r"(?<!\bgood )\b(?P<this>this\s+)?(?P<w>morning|afternoon|evening|night|tonight)\b")
def _part(m: re.Match[str], today: date) -> Piece | None:
    word = m.group("w")
    if word == "tonight":
        return Piece(m.start(), m.end(), day=today, part="evening")
    day = today if m.group("this") else None
    return Piece(m.start(), m.end(), day=day, part=_PARTS[word])


_FEASTS = {
    "christmas eve": (12, 24), "christmas day": (12, 25), "christmas": (12, 25),
    "boxing day": (12, 26), "new year's eve": (12, 31), "new years eve": (12, 31),
    "new year's day": (1, 1), "new years day": (1, 1), "new year": (1, 1),
}  # fmt: skip


@_rule(rf"\b{_alt(_FEASTS)}\b")
def _feast(m: re.Match[str], today: date) -> Piece | None:
    month, day = _FEASTS[m.group(0)]
    found = date(today.year, month, day)
    if found < today:
        found = date(today.year + 1, month, day)
    return Piece(m.start(), m.end(), day=found)


@_rule(r"\b(?:the\s+)?day\s+after\s+tomorrow\b|\btoday\b|\btomorrow\b")
def _relative_day(m: re.Match[str], today: date) -> Piece | None:
    word = m.group(0)
    offset = 0 if word == "today" else 2 if "after" in word else 1
    return Piece(m.start(), m.end(), day=today + timedelta(days=offset))


@_rule(rf"\b(?:(?P<mod>{_NEXT})\s+)?(?P<wd>{_alt(WEEKDAYS)})s?\b(?P<nw>\s+next\s+week)?"
       rf"|\bnext\s+week\s+(?:on\s+)?(?P<wd2>{_alt(WEEKDAYS)})\b")  # fmt: skip
def _weekday(m: re.Match[str], today: date) -> Piece | None:
    wd = WEEKDAYS[m.group("wd") or m.group("wd2")]
    if m.group("nw") or m.group("wd2"):
        return Piece(m.start(), m.end(), day=monday_of_week(today, 1) + timedelta(days=wd))
    allow_today = (m.group("mod") or "") == "this"
    day = next_weekday(today, wd, allow_today=allow_today)
    return Piece(m.start(), m.end(), day=day, day_grain="weekday")


@_rule(r"\b(?P<mod>next|this|the following)\s+week\b")
def _week(m: re.Match[str], today: date) -> Piece | None:
    day = today if m.group("mod") == "this" else monday_of_week(today, 1)
    return Piece(m.start(), m.end(), day=day, day_grain="week")


@_rule(rf"\b(?:the\s+)?(?P<d>{_ORD_WORD})(?:\s+(?:of\s+)?(?P<mon>{_alt(MONTHS)}))?\b"
       rf"|\b(?P<mon2>{_alt(MONTHS)})\.?\s+(?:the\s+)?(?P<d2>{_ORD_WORD}|\d{{1,2}})\b"
       rf"|\b(?P<d3>\d{{1,2}})\s+(?P<mon3>{_alt(MONTHS)})\b")  # fmt: skip
def _date(m: re.Match[str], today: date) -> Piece | None:
    day = _ordinal(m.group("d") or m.group("d2") or m.group("d3") or "")
    mon = m.group("mon") or m.group("mon2") or m.group("mon3")
    said = m.group("d")
    after = (m.string[m.end() :].split() or [""])[0].strip(".,!?")
    if said and not mon and not said[0].isdigit() and after not in _DATE_FOLLOWERS:
        return None  # "the third one", "the first floor" are no dates; "the third at ten" is
    if day is None or not 1 <= day <= 31:
        return None
    found = date_of_month(today, day, MONTHS[mon] if mon else None, None)
    return None if found is None else Piece(m.start(), m.end(), day=found)


_SLASH_PREP = (
    r"(?:(?<=\bon )|(?<=\bfor )|(?<=\bby )|(?<=\buntil )|(?<=\btill )|(?<=\bfrom )"
    r"|(?<=\bthe )|(?<=\bbefore )|(?<=\bafter ))"
)


@_rule(rf"{_SLASH_PREP}(?P<a>[0-3]?\d)/(?P<b>[0-3]?\d)(?![/\d])"
       r"|\b(?P<a2>[0-3]?\d)/(?P<b2>[0-3]?\d)/(?P<y>(?:19|20)?\d\d)\b")  # fmt: skip
def _slash_date(m: re.Match[str], today: date) -> Piece | None:
    """ "on 12/10", "12/10/2026": Whisper writes English dates the American way, month
    first; a first number above 12 can only be the day ("25/12"). Without a year only
    after "on", "for", "by", ... ("3/4" alone may be a fraction)."""
    first, second = int(m.group("a") or m.group("a2")), int(m.group("b") or m.group("b2"))
    month, day = (first, second) if first <= 12 else (second, first)
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    year = int(m.group("y")) if m.group("y") else None
    found = date_of_month(today, day, month, year)
    return None if found is None else Piece(m.start(), m.end(), day=found)


_DATE_FOLLOWERS = {"", "at", "in", "of", "please", "if", "around", "then", "works", "or", "and"}
_AMOUNT = {"an": 1.0, "a": 1.0, "one": 1.0, "half an": 0.5, "a half": 0.5, "a couple of": 2.0}


@_rule(rf"\bin\s+(?P<n>{_alt(list(_AMOUNT))}|{_alt(NUMBERS)}|\d+)\s+"
       r"(?P<u>minutes?|hours?|days?|weeks?)\b")  # fmt: skip
def _relative(m: re.Match[str], today: date) -> Piece | None:
    n = m.group("n")
    amount = _AMOUNT[n] if n in _AMOUNT else float(_num(n))
    unit = m.group("u").rstrip("s")
    if unit in ("day", "week"):
        return Piece(
            m.start(), m.end(), day=today + timedelta(days=amount * (7 if unit == "week" else 1))
        )
    return Piece(
        m.start(), m.end(), offset=timedelta(minutes=amount * (60 if unit == "hour" else 1))
    )


def _pieces(lower: str, today: date) -> Iterator[Piece]:
    for pattern, handler in _RULES:
        for m in pattern.finditer(lower):
            try:
                piece = handler(m, today)
            except (KeyError, ValueError):
                continue
            if piece is not None:
                yield piece


def extract_datetimes_en(
    text: str, now: datetime, business_hours: BusinessHours = None
) -> list[Entity]:
    """English time expressions in ``text``; ``now`` must be aware, in the business time zone."""
    lower = lower_same_length(text)
    entities = []
    pieces = list(_pieces(lower, now.date()))
    for r in resolve(pieces, lower, now, is_open_function(business_hours), GAP):
        info = {"grain": r.grain, **r.extra}
        entities.append(
            make_entity("time", r.value.isoformat(), text, r.start, r.end, EXTRACTOR, **info)
        )
    return entities
