"""German spoken form: digits, dates, times, phone numbers and prices as words, before TTS.

Pure functions. ``spoken_form(text, language)`` is the entry point (English goes to
:mod:`agent.speech.say_en`); :func:`say_de` rewrites German text the way a receptionist
reads it aloud:

* dates: "Dienstag, 24.11.2026", "2026-11-24", "am 24. November" ->
  "Dienstag, der vierundzwanzigste November", "am vierundzwanzigsten November"
  (after am/den/vom/zum/bis/ab/seit the ordinal takes -en); the year is spoken only when
  it is not the current year (``today``);
* times: "10:00", "10 Uhr", "10.30 Uhr", "14:30" -> "zehn Uhr", "zehn Uhr dreißig",
  "vierzehn Uhr dreißig"; "1 Uhr" -> "ein Uhr";
* phone numbers (a run of digits starting with 0 or +, at least 6 digits): the area code
  digit by digit ("null acht neun"), the subscriber number in pairs from the right as
  two-digit numbers, a pair starting with 0 digit by digit and an odd first digit alone
  (DIN 5008 pairs): "089 422317" -> "null acht neun, zweiundvierzig, dreiundzwanzig,
  siebzehn". +49 is said nationally as 0; other country codes as "plus" and digits. A
  number written without spaces has its first four digits taken as the area code;
* money: "49 €", "49,90 €", "€ 49", "23,80 EUR" -> "neunundvierzig Euro (neunzig)";
* ranges "8-10 Uhr" -> "acht bis zehn Uhr";
* postcodes before a town ("01067 Dresden") digit by digit;
* percent, decimals ("3,5" -> "drei Komma fünf"), thousands ("1.200"), ordinals after an
  article ("im 2. Stock" -> "im zweiten Stock"), and every other number as a cardinal.
"""

from __future__ import annotations

import re
from datetime import date

from num2words import num2words  # type: ignore[import-untyped]

MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
          "September", "Oktober", "November", "Dezember")  # fmt: skip
_MONTH_NO = {m.lower(): n for n, m in enumerate(MONTHS, 1)}
_MONTH_RE = "|".join(MONTHS)
_WEEKDAY_RE = "Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonntag"
# After these the ordinal is dative/accusative: "am vierundzwanzigsten".
_OBLIQUE = {"am", "den", "dem", "vom", "zum", "im", "bis", "ab", "seit", "beim"}
_NOMINATIVE = {"der", "die", "das"}
# "1" before these is "ein", not "eins".
_EIN_BEFORE = {"uhr", "euro", "cent", "prozent", "mal", "jahr", "tag", "monat"}


def cardinal(n: int) -> str:
    """17 -> 'siebzehn', 101 -> 'hunderteins', 1000 -> 'tausend', -3 -> 'minus drei'."""
    words: str = num2words(n, lang="de")
    # A receptionist says "hundertneunundvierzig", not "einhundertneunundvierzig".
    return re.sub(r"^(minus )?ein(hundert|tausend)", r"\1\2", words)


def ordinal(n: int, *, oblique: bool = False) -> str:
    """24 -> 'vierundzwanzigste' (nominative) or 'vierundzwanzigsten' (after am/den/im)."""
    words: str = num2words(n, lang="de", to="ordinal")
    words = re.sub(r"^ein(hundert|tausend)", r"\1", words)
    return words + "n" if oblique else words


def year(n: int) -> str:
    """1985 -> 'neunzehnhundertfünfundachtzig', 2026 -> 'zweitausendsechsundzwanzig'."""
    words: str = num2words(n, lang="de", to="year")
    return words


def say_time_de(hour: int, minute: int) -> str:
    """10:00 -> 'zehn Uhr', 14:30 -> 'vierzehn Uhr dreißig', 1:05 -> 'ein Uhr fünf'."""
    h = "ein" if hour == 1 else cardinal(hour)
    return f"{h} Uhr" if minute == 0 else f"{h} Uhr {cardinal(minute)}"


def say_date_de(day: int, month: int, yr: int | None, *, oblique: bool, today: date) -> str:
    """'vierundzwanzigste November' (+ year when not the current one)."""
    out = f"{ordinal(day, oblique=oblique)} {MONTHS[month - 1]}"
    if yr is not None and yr != today.year:
        out += f" {year(yr)}"
    return out


def _digits(ds: str) -> str:
    return " ".join(cardinal(int(d)) for d in ds)


def _pairs(ds: str) -> list[str]:
    """Subscriber digits in pairs from the right; '05' is 'null fünf', '42' 'zweiundvierzig'."""
    groups = [ds[max(0, i - 2) : i] for i in range(len(ds), 0, -2)][::-1]
    return [_digits(g) if g[0] == "0" or len(g) == 1 else cardinal(int(g)) for g in groups]


def say_phone_de(number: str) -> str:
    """'089 422317' -> 'null acht neun, zweiundvierzig, dreiundzwanzig, siebzehn'."""
    text = number.strip()
    prefix: list[str] = []
    if text.startswith("+49"):
        text = "0" + re.sub(r"^[\s/-]*(\(0\))?[\s/-]*", "", text[3:])
    elif text.startswith("+"):
        m = re.match(r"\+(\d{1,3})[\s/-]*", text)
        if m:
            prefix = [f"plus {_digits(m.group(1))}"]
            text = text[m.end() :]
    text = re.sub(r"[()]", " ", text)
    groups = [g for g in re.split(r"[\s/-]+", text) if g]
    if len(groups) == 1 and not prefix and len(groups[0]) > 6:
        groups = [groups[0][:4], groups[0][4:]]
    if not groups:
        return " ".join(prefix)
    area, rest = (groups[0], groups[1:]) if len(groups) > 1 or not prefix else ("", groups)
    parts = [*prefix] + ([_digits(area)] if area else [])
    for g in rest:
        parts.extend(_pairs(g))
    return ", ".join(parts)


def say_money_de(euros: int, cents: int) -> str:
    """'neunundvierzig Euro', 'dreiundzwanzig Euro achtzig', 'fünfzig Cent', 'ein Euro'."""
    if euros == 0 and cents:
        return f"{cardinal(cents)} Cent"
    e = "ein" if euros == 1 else cardinal(euros)
    return f"{e} Euro" + (f" {cardinal(cents)}" if cents else "")


def _word_before(text: str, pos: int) -> str:
    m = re.search(r"(\w+)\W*$", text[:pos])
    return m.group(1).lower() if m else ""


_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::\d{2})?)?\b")
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})\.\s?(\d{1,2})\.(?:\s?(\d{4}|\d{2})\b)?")
_WORD_DATE = re.compile(rf"\b(\d{{1,2}})\.\s+({_MONTH_RE})(?:\s+(\d{{4}})\b)?")
_TIME = re.compile(r"\b(\d{1,2})[:.](\d{2})(?!\d)(?:\s*Uhr\b)?|\b(\d{1,2})\s*Uhr\b")
_PHONE = re.compile(r"(?<![\w.,])(?:\+\d{1,3}|0)\d*(?:[ /-]{0,3}(?:\(\d+\))?\d+)*")
_MONEY = re.compile(
    r"(?:€\s?(\d+(?:\.\d{3})*)(?:,(\d{2}))?)|(?:\b(\d+(?:\.\d{3})*)(?:,(\d{1,2}|-))?\s?(?:€|EUR\b|Euro\b))"
)
_PERCENT = re.compile(r"\b(\d+)(?:,(\d+))?\s?(?:%|Prozent\b)")
_DECIMAL = re.compile(r"\b(\d+),(\d+)\b")
_THOUSANDS = re.compile(r"\b\d{1,3}(?:\.\d{3})+\b")
_ORDINAL = re.compile(r"\b(\d{1,3})\.(?=\s+\w)")
_NUMBER = re.compile(r"\b\d+\b")
#: Police and fire brigade: said digit by digit ("die eins eins zwei"), never as a number
#: or an ordinal, and a period after them ends the sentence.
EMERGENCY_NUMBERS = frozenset({"110", "112"})
_EMERGENCY = re.compile(r"(?<![\d.,/+-])\b(110|112)\b(?!\d|[,.]\d|[/-])")
# "..., 01067 Dresden": after a comma or at the start of a line, before a town name.
_RANGE = re.compile(r"(?<=\d)\s?[-–]\s?(?=\d)")  # "8-10 Uhr", "8 – 10 Uhr"
_POSTCODE = re.compile(r"(?:(?<=, )|^)(\d{5})(?=\s+[A-ZÄÖÜ][a-zäöüß])", re.MULTILINE)
_ABBREVIATIONS = {
    "z. B.": "zum Beispiel", "z.B.": "zum Beispiel", "d. h.": "das heißt", "d.h.": "das heißt",
    "u. a.": "unter anderem", "bzw.": "beziehungsweise", "ca.": "circa", "usw.": "und so weiter",
    "Nr.": "Nummer", "Str.": "Straße", "Tel.": "Telefon", "Dr.": "Doktor", "inkl.": "inklusive",
    "zzgl.": "zuzüglich", "ggf.": "gegebenenfalls", "evtl.": "eventuell", "MwSt.": "Mehrwertsteuer",
}  # fmt: skip
_ABBREVIATION = re.compile(
    r"(?<!\w)(" + "|".join(re.escape(a) for a in sorted(_ABBREVIATIONS, key=len)[::-1]) + ")"
)
# Order, customer and invoice numbers are read digit by digit: "Nummer eins zwei drei vier".
_ID_NUMBER = re.compile(r"\b(Nummer|Kundennummer|Auftragsnummer|Rechnungsnummer)\s+(\d{4,})\b")


def _int(s: str) -> int:
    return int(s.replace(".", ""))


def say_de(text: str, *, today: date | None = None) -> str:
    """German ``text`` with every date, time, phone number, price and number in words."""
    today = today or date.today()

    def date_words(m: re.Match[str], d: int, mo: int, y: int | None) -> str | None:
        if not (1 <= d <= 31 and 1 <= mo <= 12):
            return None
        before = text_now[: m.start()]
        weekday_comma = re.search(rf"\b({_WEEKDAY_RE}),\s*$", before)
        prev = _word_before(text_now, m.start())
        if weekday_comma:
            art_oblique = _word_before(before, weekday_comma.start()) in _OBLIQUE
            article = "den" if art_oblique else "der"
            return f"{article} {say_date_de(d, mo, y, oblique=art_oblique, today=today)}"
        return say_date_de(d, mo, y, oblique=prev in _OBLIQUE, today=today)

    def iso(m: re.Match[str]) -> str:
        out = date_words(m, int(m.group(3)), int(m.group(2)), int(m.group(1)))
        if out is None:
            return m.group(0)
        if m.group(4) is not None:
            out += " um " + say_time_de(int(m.group(4)), int(m.group(5)))
        return out

    def numeric(m: re.Match[str]) -> str:
        y = m.group(3)
        yr = None if y is None else (int(y) + 2000 if len(y) == 2 else int(y))
        return date_words(m, int(m.group(1)), int(m.group(2)), yr) or m.group(0)

    def worded(m: re.Match[str]) -> str:
        y = m.group(3)
        mo = _MONTH_NO[m.group(2).lower()]
        return date_words(m, int(m.group(1)), mo, None if y is None else int(y)) or m.group(0)

    text_now = _ABBREVIATION.sub(lambda m: _ABBREVIATIONS[m[1]], text)
    text_now = re.sub(r"(?<=[a-zäöüß])str\.", "straße", text_now)
    text_now = _ID_NUMBER.sub(lambda m: f"{m[1]} {_digits(m[2])}", text_now)
    for pattern, fn in ((_ISO, iso), (_NUMERIC_DATE, numeric), (_WORD_DATE, worded)):
        text_now = pattern.sub(fn, text_now)
    text_now = _PHONE.sub(_phone, text_now)
    text_now = _EMERGENCY.sub(lambda m: _digits(m[1]), text_now)
    text_now = _RANGE.sub(" bis ", text_now)
    text_now = _TIME.sub(_time, text_now)
    text_now = _MONEY.sub(_money, text_now)
    text_now = _PERCENT.sub(_percent, text_now)
    text_now = _DECIMAL.sub(lambda m: f"{cardinal(int(m[1]))} Komma {_digits(m[2])}", text_now)
    text_now = _POSTCODE.sub(lambda m: _digits(m[1]), text_now)
    text_now = _THOUSANDS.sub(lambda m: cardinal(_int(m[0])), text_now)
    text_now = _ORDINAL.sub(lambda m: _ordinal(m, text_now), text_now)
    return _NUMBER.sub(lambda m: _cardinal_in(m, text_now), text_now)


def _time(m: re.Match[str]) -> str:
    if m.group(3) is not None:
        hour, minute = int(m.group(3)), 0
    else:
        hour, minute = int(m.group(1)), int(m.group(2))
    if hour > 24 or minute > 59:
        return m.group(0)
    return say_time_de(hour, minute)


def _phone(m: re.Match[str]) -> str:
    raw = m.group(0).rstrip(" /-")
    tail = m.group(0)[len(raw) :]
    if sum(c.isdigit() for c in raw) < 6:
        return m.group(0)
    return say_phone_de(raw) + tail


def _money(m: re.Match[str]) -> str:
    if m.group(1) is not None:
        euros, cents = _int(m.group(1)), int(m.group(2) or 0)
    else:
        c = m.group(4)
        euros = _int(m.group(3))
        cents = 0 if c is None or c == "-" else int(c.ljust(2, "0"))
    return say_money_de(euros, cents)


def _percent(m: re.Match[str]) -> str:
    n = "ein" if m[1] == "1" and m[2] is None else cardinal(int(m[1]))
    return n + (f" Komma {_digits(m[2])}" if m[2] else "") + " Prozent"


def _ordinal(m: re.Match[str], text: str) -> str:
    prev = _word_before(text, m.start())
    if prev in _OBLIQUE:
        return ordinal(int(m[1]), oblique=True)
    if prev in _NOMINATIVE:
        return ordinal(int(m[1]))
    return m.group(0)


def _cardinal_in(m: re.Match[str], text: str) -> str:
    if m.group(0) == "1":
        following = re.match(r"\s+(\w+)", text[m.end() :])
        if following and following.group(1).lower() in _EIN_BEFORE:
            return "ein"
    return cardinal(int(m.group(0)))


def spoken_form(text: str, language: str, *, today: date | None = None) -> str:
    """``text`` as it should be read aloud in ``language`` ("de", "de-DE", "en", ...)."""
    lang = language.replace("_", "-").split("-", 1)[0].lower()
    if lang == "en":
        from agent.speech.say_en import say_en

        return say_en(text, today=today)
    if lang == "de":
        return say_de(text, today=today)
    return text
