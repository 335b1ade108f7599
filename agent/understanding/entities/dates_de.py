"""German day expressions for datetime_de: heute/morgen/übermorgen, weekdays, days of
the month, weeks, and relative moments ("in zwei stunden", "in drei tagen")."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta

from .datetime_resolve import (
    Piece,
    RuleSet,
    date_of_month,
    monday_of_week,
    next_weekday,
    safe_date,
)
from .numbers import CARDINALS, ORDINAL_WORD, ORDINALS, cardinal_value, ordinal_value

WEEKDAYS = {
    "montag": 0, "dienstag": 1, "mittwoch": 2, "donnerstag": 3, "freitag": 4,
    "samstag": 5, "sonnabend": 5, "sonntag": 6,
}  # fmt: skip
MONTHS = {
    "januar": 1, "jänner": 1, "jan": 1, "februar": 2, "feber": 2, "feb": 2, "märz": 3,
    "maerz": 3, "mär": 3, "april": 4, "apr": 4, "mai": 5, "juni": 6, "jun": 6, "juli": 7,
    "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9, "oktober": 10,
    "okt": 10, "november": 11, "nov": 11, "dezember": 12, "dez": 12,
}  # fmt: skip


def alternation(words: Iterable[str]) -> str:
    """Regex source matching any of ``words`` (longest first)."""
    return "(?:" + "|".join(sorted(map(re.escape, words), key=len, reverse=True)) + ")"


_alt = alternation
_WD = _alt(WEEKDAYS)
_MON = _alt(MONTHS)
_M_WORD = _alt([w for w, v in CARDINALS.items() if 1 <= v <= 59 and w != "ein"])
NEXT = r"(?:nächste[nrms]?|naechste[nrms]?|kommende[nrms]?)"
_NEXT = NEXT

DAY_RULES = RuleSet()
_rule = DAY_RULES.rule


@_rule(r"\b(?:übermorgen|über\s+morgen|uebermorgen)\b|(?<!\bguten )(?<!\bheute )\bmorgen"
       r"(?:\b|(?=vormittag|nachmittag|abend|mittag|früh))"
       r"|\bheute?(?:\b|(?=vormittag|nachmittag|abend|mittag|früh|morgen))")  # fmt: skip
def _relative_day(m: re.Match[str], today: date) -> Piece | None:
    word = m.group(0)
    offset = 0 if word.startswith("heut") else 1 if word == "morgen" else 2
    return Piece(m.start(), m.end(), day=today + timedelta(days=offset))


#: Holidays by name (the days Germany, Austria and Switzerland share).
FEASTS = {
    "heiligabend": (12, 24), "heiligen abend": (12, 24), "heilig abend": (12, 24),
    "weihnachten": (12, 25), "ersten weihnachtsfeiertag": (12, 25),
    "erster weihnachtsfeiertag": (12, 25), "christtag": (12, 25),
    "zweiten weihnachtsfeiertag": (12, 26), "zweiter weihnachtsfeiertag": (12, 26),
    "stephanstag": (12, 26), "stefanitag": (12, 26), "silvester": (12, 31),
    "neujahr": (1, 1), "neujahrstag": (1, 1), "dreikönig": (1, 6), "dreikönigstag": (1, 6),
    "heilige drei könige": (1, 6), "heiligen drei könige": (1, 6),
}  # fmt: skip


@_rule(rf"\b{alternation(FEASTS)}\b")
def _feast(m: re.Match[str], today: date) -> Piece | None:
    month, day = FEASTS[m.group(0)]
    found = date(today.year, month, day)
    if found < today:
        found = date(today.year + 1, month, day)
    return Piece(m.start(), m.end(), day=found)


#: A part of the day written together with the day: "Mittwochvormittag", "morgenfrüh".
PART_JOINED = r"(?=vormittag|nachmittag|abend|mittag|früh|morgen)"


@_rule(rf"\b(?:(?P<mod>{_NEXT}|übernächste[nrm]?|diese[nrm]?)\s+)?(?P<wd>{_WD})s?(?:\b|{PART_JOINED})"
       rf"(?P<nw>\s+(?:in\s+der\s+)?{_NEXT}\s+woche)?")  # fmt: skip
def _weekday(m: re.Match[str], today: date) -> Piece | None:
    wd = WEEKDAYS[m.group("wd")]
    mod = m.group("mod") or ""
    if m.group("nw"):
        day = monday_of_week(today, 1) + timedelta(days=wd)
    elif mod.startswith("diese"):
        day = next_weekday(today, wd, allow_today=True)
    else:
        day = next_weekday(today, wd) + timedelta(weeks=1 if mod.startswith("über") else 0)
    return Piece(m.start(), m.end(), day=day, day_grain="weekday")


@_rule(rf"\b{_NEXT}\s+woche\s+(?:am\s+)?(?P<wd>{_WD})\b")
def _next_week_weekday(m: re.Match[str], today: date) -> Piece | None:
    day = monday_of_week(today, 1) + timedelta(days=WEEKDAYS[m.group("wd")])
    return Piece(m.start(), m.end(), day=day)


@_rule(rf"\b(?:(?P<mod>{_NEXT}|übernächste[nr]?|diese[rn]?)\s+woche)\b")
def _week(m: re.Match[str], today: date) -> Piece | None:
    mod = m.group("mod")
    weeks = 0 if mod.startswith("diese") else 2 if mod.startswith("über") else 1
    day = today if weeks == 0 else monday_of_week(today, weeks)
    return Piece(m.start(), m.end(), day=day, day_grain="week")


_PART_OF_WEEK = {"anfang": 0, "mitte": 2, "ende": 4}


@_rule(
    rf"\b(?P<pos>anfang|mitte|ende)\s+(?:(?P<mod>{_NEXT}|übernächste[nr]?|diese[rn]?|der)\s+)?"
    r"woche\b"
)
def _part_of_week(m: re.Match[str], today: date) -> Piece | None:
    """ "ende der woche" = Friday, "anfang nächster woche" = Monday, "mitte ..." = Wednesday."""
    mod = m.group("mod") or ""
    weeks = 2 if mod.startswith("über") else 1 if mod and mod[0] in "nk" else 0
    day = monday_of_week(today, weeks) + timedelta(days=_PART_OF_WEEK[m.group("pos")])
    if day < today:
        day += timedelta(weeks=1)
    return Piece(m.start(), m.end(), day=day)


_FULL_MONTHS = [name for name in MONTHS if len(name) > 3 or name == "mai"]


@_rule(
    r"(?:(?<=\bim )|(?<=\bin )|(?<=\bauf )|(?<=\bab )|(?<=\bbis )|(?<=\bfür )|(?<=\banfang )"
    rf"|(?<=\bmitte )|(?<=\bende ))(?P<mon>{_alt(_FULL_MONTHS)})\b"
)
def _month(m: re.Match[str], today: date) -> Piece | None:
    """ "im januar": the first day of the next such month (today within the current month)."""
    month = MONTHS[m.group("mon")]
    if month == today.month:
        day = today
    else:
        day = date(today.year + (1 if month < today.month else 0), month, 1)
    return Piece(m.start(), m.end(), day=day, day_grain="month")


_MONTH_OR_ORD = rf"(?P<mon>{_MON}\b\.?|{ORDINAL_WORD}(?=\s|$|[,.!?]))"
_YEAR = r"(?:\s+(?P<y>(?:19|20)\d\d))?"
_NOT_A_DATE = r"(?!\s+(?:stock|termin|teil|mal|versuch|platz|tag|monat|jahr|hälfte|quartal))"


@_rule(r"(?:(?<=\bam )|(?<=\bden )|(?<=\bzum )|(?<=\bvom )|(?<=\bdem )|(?<=\bbis )|(?<=\bab ))"
       rf"(?P<d>{ORDINAL_WORD})\b{_NOT_A_DATE}(?:\s+{_MONTH_OR_ORD})?{_YEAR}")  # fmt: skip
def _ordinal_date(m: re.Match[str], today: date) -> Piece | None:
    month_word = m.group("mon")
    month = None
    if month_word:
        month = MONTHS.get(month_word.rstrip(".")) or ORDINALS.get(month_word)
        if month is None or month > 12:
            return None
    return _date_piece(m, today, ordinal_value(m.group("d")), month, m.group("y"))


@_rule(rf"\b(?P<d>{ORDINAL_WORD})\s+(?P<mon>{_MON})\b\.?{_YEAR}")
def _ordinal_month(m: re.Match[str], today: date) -> Piece | None:
    month = MONTHS[m.group("mon")]
    return _date_piece(m, today, ordinal_value(m.group("d")), month, m.group("y"))


@_rule(r"\b(?P<d>[0-3]?\d)\.\s?(?P<m>[01]?\d)\.(?:\s?(?P<y>(?:19|20)?\d\d)\b)?")
def _numeric_date(m: re.Match[str], today: date) -> Piece | None:
    return _date_piece(m, today, int(m.group("d")), int(m.group("m")), m.group("y"))


@_rule(rf"\b(?P<d>[0-3]?\d)\.?\s+(?P<mon>{_MON})\b\.?{_YEAR}")
def _numeric_month(m: re.Match[str], today: date) -> Piece | None:
    return _date_piece(m, today, int(m.group("d")), MONTHS[m.group("mon")], m.group("y"))


_DAY_PREP = r"(?:(?<=\bam )|(?<=\bden )|(?<=\bdem )|(?<=\bvom )|(?<=\bzum ))"


@_rule(rf"{_DAY_PREP}(?P<d>[0-3]?\d)\.(?!\d)")
def _numeric_day(m: re.Match[str], today: date) -> Piece | None:
    """ "am 27.", "Freitag, dem 13., um 11 Uhr" (Whisper writes the day in digits)."""
    return _date_piece(m, today, int(m.group("d")), None, None)


@_rule(rf"{_DAY_PREP}(?P<d>[0-3]?\d)\.(?P<m>[01]?\d)\b(?![.:,]?\d)")
def _numeric_date_no_dot(m: re.Match[str], today: date) -> Piece | None:
    """ "am 10.12 um 14:30": day and month without the last dot, after "am"/"den"/... (a
    clock time "9.30" has no month 30; "um 10.12" stays a time)."""
    return _date_piece(m, today, int(m.group("d")), int(m.group("m")), None)


@_rule(r"\b(?P<y>20\d\d)-(?P<m>[01]\d)-(?P<d>[0-3]\d)\b")
def _iso_date(m: re.Match[str], _: date) -> Piece | None:
    day = safe_date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
    return None if day is None else Piece(m.start(), m.end(), day=day)


def _date_piece(
    m: re.Match[str], today: date, day: int | None, month: int | None, year: str | None
) -> Piece | None:
    if day is None or not 1 <= day <= 31 or (month is not None and not 1 <= month <= 12):
        return None
    found = date_of_month(today, day, month, int(year) if year else None)
    return None if found is None else Piece(m.start(), m.end(), day=found)


# ---- relative moments ------------------------------------------------------------------

_AMOUNTS = {"einer": 1.0, "einem": 1.0, "eine": 1.0, "ein": 1.0, "anderthalb": 1.5,
            "eineinhalb": 1.5, "einer halben": 0.5, "einer dreiviertel": 0.75,
            "ein paar": 2.0, "zwei bis drei": 2.0}  # fmt: skip
_UNIT_MINUTES = {"minute": 1, "stunde": 60, "viertelstunde": 15, "tag": 1440, "woche": 10080}


@_rule(rf"\bin\s+(?P<n>{_alt(list(_AMOUNTS))}|{_M_WORD}|\d+)\s+"
       r"(?P<u>minuten?|stunden?|viertelstunde|tage?n?|wochen?)\b")  # fmt: skip
def _relative(m: re.Match[str], today: date) -> Piece | None:
    amount = _AMOUNTS.get(m.group("n"))
    if amount is None:
        amount = float(cardinal_value(m.group("n")) or 0)
    unit = m.group("u")
    key = next(
        k for k in ("viertelstunde", "minute", "stunde", "woche", "tag") if unit.startswith(k)
    )
    minutes = amount * _UNIT_MINUTES[key]
    if key in ("tag", "woche"):
        return Piece(m.start(), m.end(), day=today + timedelta(minutes=minutes))
    return Piece(m.start(), m.end(), offset=timedelta(minutes=minutes))
