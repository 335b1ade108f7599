"""German date and time expressions -> ISO 8601 local datetimes.

Covers heute/morgen/übermorgen, weekdays ("nächsten dienstag", "dienstag
nächste woche", "diesen freitag"), days of the month ("am
siebenundzwanzigsten (november)", "am 27.11.", "27. november 2026"), clock
times ("um elf (uhr)", "halb neun", "viertel nach/vor", "viertel neun",
"dreiviertel neun", "zehn nach halb drei", "vierzehn uhr dreißig", "17:30"),
parts of the day ("vormittags", "nachmittags", "abends", "früh", "heute
morgen"), relative moments ("in zwei stunden", "in einer halben stunde", "in
drei tagen") and weeks ("nächste woche").

Spans leave out a leading preposition ("um", "am"): in "um halb neun" the
entity text is "halb neun".
"""

from __future__ import annotations

import re
from datetime import date, datetime

from .dates_de import DAY_RULES
from .dates_de import alternation as _alt
from .datetime_resolve import ClockTime, Piece, RuleSet, resolve
from .entity import BusinessHours, Entity, is_open_function, lower_same_length, make_entity
from .numbers import CARDINALS, cardinal_value
from .quantity import UNIT_WORD

EXTRACTOR = "rufbereit.datetime_de"

_H_WORD = _alt([w for w, v in CARDINALS.items() if v <= 24 and w != "ein"])
_M_WORD = _alt([w for w, v in CARDINALS.items() if 1 <= v <= 59 and w != "ein"])
_HOUR = rf"(?:{_H_WORD}|[01]?\d|2[0-4])"
_MINUTE = rf"(?:{_M_WORD}|[0-5]?\d)"
_PREP_BEFORE = r"(?:(?<=\bum )|(?<=\bgegen )|(?<=\bab )|(?<=\bbis )|(?<=\bca\. ))"
_NOT_TIME_AFTER = (
    rf"(?:{UNIT_WORD}|minuten?|stunden?|tage?n?|wochen?|monate?n?|jahre?n?|prozent|euro|mal)\b"
)

#: Words that may stand between two parts of one expression: "morgen | um | halb neun".
GAP = re.compile(
    r"^(?:[\s,]|\b(?:um|am|so|gegen|ab|den|dem|der|in|zwar|und|dann|äh|ähm|also|circa|ca"
    r"|etwa|ungefähr|so gegen|bitte)\b\.?)*$"
)

CLOCK_RULES = RuleSet()
_rule = CLOCK_RULES.rule


def _h(word: str) -> int:
    value = cardinal_value(word)
    if value is None or value > 24:
        raise ValueError(word)
    return value


def _clock(m: re.Match[str], hour: int, minute: int, said_hour: int) -> Piece | None:
    if not (0 <= hour <= 24 and 0 <= minute < 60):
        return None
    return Piece(m.start(), m.end(), clock=ClockTime(hour % 24, minute, 1 <= said_hour <= 12))


# ---- clock times -----------------------------------------------------------------------


@_rule(r"\b(?P<h>[01]?\d|2[0-3]):(?P<m>[0-5]\d)\b(?:\s*uhr\b)?")
def _digital(m: re.Match[str], _: date) -> Piece | None:
    said = -1 if m.group("h").startswith("0") else int(m.group("h"))
    return _clock(m, int(m.group("h")), int(m.group("m")), said)


@_rule(rf"{_PREP_BEFORE}(?P<h>[01]?\d|2[0-3])\.(?P<m>[0-5]\d)\b(?!\.\d)(?:\s*uhr\b)?"
       r"|\b(?P<h2>[01]?\d|2[0-3])\.(?P<m2>[0-5]\d)\s*uhr\b")  # fmt: skip
def _dotted(m: re.Match[str], _: date) -> Piece | None:
    hour, minute = m.group("h") or m.group("h2"), m.group("m") or m.group("m2")
    return _clock(m, int(hour), int(minute), -1 if hour.startswith("0") else int(hour))


@_rule(rf"\b(?P<h>{_HOUR}|ein)\s+uhr\b(?:\s+(?P<m>{_MINUTE})\b(?!\s+{_NOT_TIME_AFTER}))?")
def _uhr(m: re.Match[str], _: date) -> Piece | None:
    hour = _h(m.group("h"))
    minute = cardinal_value(m.group("m")) if m.group("m") else 0
    return _clock(m, hour, minute or 0, hour)


@_rule(rf"\bhalb\s+(?P<h>{_HOUR})\b(?!\s+{_NOT_TIME_AFTER})")
def _half(m: re.Match[str], _: date) -> Piece | None:
    said = _h(m.group("h"))
    return _clock(m, (said - 1) % 24 if said else 23, 30, said)


@_rule(rf"\b(?P<q>dreiviertel|drei\s+viertel|viertel)\s+(?:(?P<dir>nach|vor)\s+)?(?P<h>{_HOUR})\b"
       r"(?!\s+stunde)")  # fmt: skip
def _quarter(m: re.Match[str], _: date) -> Piece | None:
    said = _h(m.group("h"))
    three = m.group("q") != "viertel"
    direction = m.group("dir")
    if direction == "nach" and not three:
        return _clock(m, said, 15, said)
    if direction == "vor" and not three:
        return _clock(m, said - 1, 45, said)
    if direction is None:  # "viertel neun" = 8:15, "dreiviertel neun" = 8:45
        return _clock(m, said - 1, 45 if three else 15, said)
    return None


@_rule(rf"\b(?P<mn>{_M_WORD}|[1-2]?\d)(?:\s+minuten)?\s+(?P<dir>nach|vor)\s+(?P<half>halb\s+)?"
       rf"(?P<h>{_HOUR})\b(?!\s+stunde)")  # fmt: skip
def _minutes_to(m: re.Match[str], _: date) -> Piece | None:
    minutes, said = cardinal_value(m.group("mn")) or 0, _h(m.group("h"))
    if not 1 <= minutes <= 29:
        return None
    base_h, base_m = (said - 1, 30) if m.group("half") else (said, 0)
    total = base_h * 60 + base_m + (minutes if m.group("dir") == "nach" else -minutes)
    return _clock(m, (total // 60) % 24, total % 60, said)


@_rule(rf"{_PREP_BEFORE}(?P<h>{_HOUR})\b(?!\s*(?:uhr\b|:|\.\d)|\s+{_NOT_TIME_AFTER})")
def _bare_hour(m: re.Match[str], _: date) -> Piece | None:
    hour = _h(m.group("h"))
    return _clock(m, hour, 0, hour)


# ---- parts of the day ------------------------------------------------------------------

_PARTS = {
    "früh": "early", "frühmorgens": "early", "morgens": "early", "morgen": "early",
    "vormittag": "forenoon", "vormittags": "forenoon", "mittag": "noon", "mittags": "noon",
    "nachmittag": "afternoon", "nachmittags": "afternoon", "abend": "evening",
    "abends": "evening", "nacht": "night", "nachts": "night",
}  # fmt: skip


@_rule(r"(?<=\bheute )morgen\b|(?<!\bso )(?<!\bzu )\bfrüh\b|\bfrühmorgens\b|\bmorgens\b"
       r"|\bvormittags?\b|(?<!\bguten )\bmittags?\b|\bnachmittags?\b"
       r"|(?<!\bguten )(?<!\bschönen )\babends?\b|(?<!\bgute )\bnachts?\b"
       r"|(?:(?<=montag)|(?<=dienstag)|(?<=mittwoch)|(?<=donnerstag)|(?<=freitag)|(?<=samstag)"
       r"|(?<=sonntag)|(?<=heute)|(?<=morgen))(?:vormittags?|nachmittags?|abends?|mittags?|früh"
       r"|morgens?)\b")  # fmt: skip
def _part(m: re.Match[str], _: date) -> Piece | None:
    return Piece(m.start(), m.end(), part=_PARTS[m.group(0)])


def extract_datetimes_de(
    text: str, now: datetime, business_hours: BusinessHours = None
) -> list[Entity]:
    """German time expressions in ``text``; ``now`` must be aware, in the business time zone.

    >>> from zoneinfo import ZoneInfo
    >>> now = datetime(2026, 11, 22, 10, tzinfo=ZoneInfo("Europe/Berlin"))
    >>> [e.value for e in extract_datetimes_de("morgen um halb neun", now)]
    ['2026-11-23T08:30:00+01:00']
    """
    lower = lower_same_length(text)
    today = now.date()
    pieces = [*CLOCK_RULES.pieces(lower, today), *DAY_RULES.pieces(lower, today)]
    entities = []
    for r in resolve(pieces, lower, now, is_open_function(business_hours), GAP):
        info = {"grain": r.grain, **r.extra}
        entities.append(
            make_entity("time", r.value.isoformat(), text, r.start, r.end, EXTRACTOR, **info)
        )
    return entities
