"""English spoken form (the small counterpart of :mod:`agent.speech.say_de`).

"Tuesday, 24 November" / "2026-11-24" -> "Tuesday, the twenty-fourth of November";
"10:30" -> "ten thirty", "10 am" -> "ten a m", "14:00" -> "two p m"; phone numbers digit by
digit in their written groups ("+49 171 9876543" -> "plus four nine, one seven one, nine
eight seven, six five four three", long groups in threes with the last up to four);
"€49.90" / "49 €" -> "forty-nine euros ninety"; other numbers as cardinals.
"""

from __future__ import annotations

import re
from datetime import date

from num2words import num2words  # type: ignore[import-untyped]

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")  # fmt: skip
_MONTH_NO = {m.lower(): n for n, m in enumerate(MONTHS, 1)}
_MONTH_RE = "|".join(MONTHS)


def cardinal(n: int) -> str:
    words: str = num2words(n, lang="en")
    return words.replace(",", "")


def ordinal(n: int) -> str:
    words: str = num2words(n, lang="en", to="ordinal")
    return words


def say_time_en(hour: int, minute: int, suffix: str | None = None) -> str:
    """(10, 30) -> 'ten thirty'; (14, 0) -> 'two p m'; (9, 5) -> 'nine oh five'."""
    if suffix is None and hour > 12:
        hour, suffix = hour - 12, "pm"
    elif suffix is None and hour == 12:
        suffix = "pm"
    elif suffix is None and hour == 0:
        hour, suffix = 12, "am"
    h = cardinal(hour)
    if minute:
        h += f" oh {cardinal(minute)}" if minute < 10 else f" {cardinal(minute)}"
    if suffix is None:
        return h if minute else f"{h} o'clock"
    return f"{h} {' '.join(suffix.replace('.', '').lower())}"


def _date(day: int, month: int, yr: int | None, today: date) -> str:
    out = f"the {ordinal(day)} of {MONTHS[month - 1]}"
    if yr is not None and yr != today.year:
        out += " " + str(num2words(yr, lang="en", to="year"))
    return out


def _digits(ds: str) -> str:
    return " ".join(cardinal(int(d)) for d in ds)


def say_phone_en(number: str) -> str:
    plus = number.strip().startswith("+")
    groups = [g for g in re.split(r"[\s/()-]+", number.strip().lstrip("+")) if g]
    parts: list[str] = []
    for g in groups:
        while len(g) > 4:
            parts.append(_digits(g[:3]))
            g = g[3:]
        parts.append(_digits(g))
    return ("plus " if plus else "") + ", ".join(parts)


_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::\d{2})?)?\b")
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_RE})(?:\s+(\d{{4}}))?\b")
_MONTH_DAY = re.compile(rf"\b({_MONTH_RE})\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?\b")
_TIME = re.compile(
    r"\b(\d{1,2})(?::(\d{2}))?\s*([ap](?:\.m\.|m))(?!\w)|\b(\d{1,2}):(\d{2})(?!\d)", re.IGNORECASE
)
_PHONE = re.compile(r"(?<![\w.,])(?:\+\d{1,3}|0)[\d()]*(?:[ /-]{1,3}\(?\d+\)?)*")
_MONEY = re.compile(
    r"€\s?(\d+(?:,\d{3})*)(?:\.(\d{2}))?"
    r"|\b(\d+(?:,\d{3})*)(?:\.(\d{2}))?\s?(?:€|EUR\b|euros?\b)"
)
_NUMBER = re.compile(r"\b\d+(?:,\d{3})*(?:\.\d+)?\b")
# Emergency numbers digit by digit: "call one one two".
_EMERGENCY = re.compile(r"(?<![\d.,/+-])\b(110|112|911|999)\b(?!\d|[,.]\d|[/-])")


def say_en(text: str, *, today: date | None = None) -> str:
    today = today or date.today()

    def iso(m: re.Match[str]) -> str:
        d, mo = int(m[3]), int(m[2])
        if not (1 <= d <= 31 and 1 <= mo <= 12):
            return m[0]
        out = _date(d, mo, int(m[1]), today)
        return out + (f" at {say_time_en(int(m[4]), int(m[5]))}" if m[4] else "")

    def day_month(m: re.Match[str]) -> str:
        return _date(int(m[1]), _MONTH_NO[m[2].lower()], int(m[3]) if m[3] else None, today)

    def month_day(m: re.Match[str]) -> str:
        return _date(int(m[2]), _MONTH_NO[m[1].lower()], int(m[3]) if m[3] else None, today)

    text = _ISO.sub(iso, text)
    text = _DAY_MONTH.sub(day_month, text)
    text = _MONTH_DAY.sub(month_day, text)
    text = _TIME.sub(_time, text)
    text = _PHONE.sub(_phone, text)
    text = _EMERGENCY.sub(lambda m: " ".join(num2words(int(d)) for d in m[1]), text)
    text = _MONEY.sub(_money, text)
    text = re.sub(r"\b(\d+(?:\.\d+)?)\s?%", r"\1 percent", text)
    return _NUMBER.sub(_number, text)


def _time(m: re.Match[str]) -> str:
    if m[3] is not None:
        hour, minute, suffix = int(m[1]), int(m[2] or 0), m[3]
        if not 1 <= hour <= 12 or minute > 59:
            return m[0]
        return say_time_en(hour, minute, suffix)
    hour, minute = int(m[4]), int(m[5])
    if hour > 23 or minute > 59:
        return m[0]
    return say_time_en(hour, minute)


def _phone(m: re.Match[str]) -> str:
    raw = m[0].rstrip(" /-")
    if sum(c.isdigit() for c in raw) < 6:
        return m[0]
    return say_phone_en(raw) + m[0][len(raw) :]


def _money(m: re.Match[str]) -> str:
    whole, cents = (m[1], m[2]) if m[1] is not None else (m[3], m[4])
    euros = int(whole.replace(",", ""))
    out = f"{cardinal(euros)} euro" + ("" if euros == 1 else "s")
    return out + (f" {cardinal(int(cents))}" if cents and int(cents) else "")


def _number(m: re.Match[str]) -> str:
    whole, _, frac = m[0].replace(",", "").partition(".")
    out = cardinal(int(whole))
    return out + (f" point {_digits(frac)}" if frac else "")
