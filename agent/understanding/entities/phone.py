"""Phone numbers, spoken or typed, to a digit string with its span in the original text.

Spoken: digit words ("null acht neun"), digit groups ("zweiundvierzig",
"neun und vierzig", "vierhundertzweiundzwanzig"), "doppel null" / "double
five", "plus neun und vierzig". Typed: "089 / 42 23 17", "+49 (0)89 4223-17".
A run of number tokens becomes a phone number when it has at least
MIN_DIGITS digits. The value is the digits, with a leading "+" when the caller
said or typed one ("+4989422317"); "(0)" after a country code is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .entity import Entity, lower_same_length, make_entity
from .numbers import cardinal_value

MIN_DIGITS = 6
EXTRACTOR = "rufbereit.phone"

#: Numbers right after these words are reference numbers, not phone numbers.
_REFERENCE_WORDS = {
    "rechnung", "rechnungsnummer", "bestellnummer", "bestellung", "kundennummer", "auftrag",
    "auftragsnummer", "vertragsnummer", "aktenzeichen", "iban", "kontonummer", "invoice",
    "order", "reference",
}  # fmt: skip
#: A number right after a street is a house number: "Lindwurmstraße 12, 80331 München" holds
#: no phone number (Whisper writes the address in digits, the postcode after a comma).
_STREET_RE = re.compile(
    r"\w*(?:straße|strasse|str)|\w+(?:weg|platz|allee|gasse|ring|damm|ufer)"
    r"|street|road|avenue|lane|hausnummer|nr"
)
_DATE_RE = re.compile(r"(?:19|20)\d\d-[01]\d-[0-3]\d|[0-3]?\d/[01]?\d/(?:19|20)?\d\d")
_TOKEN_RE = re.compile(r"\(0\)|\+|\d+|[^\W\d_]+|\S")
_SOFT_SEPARATORS = {"/", "-", "–", "(", ")"}
_FILLERS = {
    "de": {"äh", "ähm", "öh", "öhm", "hm", "ehm"},
    "en": {"uh", "uhm", "er", "erm", "hm"},
}
_DOUBLE = {"doppel": 2, "doppelt": 2, "dreifach": 3, "double": 2, "triple": 3}
_EN_DIGITS = {
    "zero": 0, "oh": 0, "o": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9,
}  # fmt: skip
_DE_TENS = {"zwanzig", "dreißig", "dreissig", "vierzig", "fünfzig", "fuenfzig", "sechzig",
            "siebzig", "achtzig", "neunzig"}  # fmt: skip
_DE_UNITS = {"ein", "zwei", "drei", "vier", "fünf", "fuenf", "sechs", "sieben", "acht", "neun"}


@dataclass(frozen=True, slots=True)
class _Tok:
    text: str
    start: int
    end: int


def _tokens(lower: str) -> list[_Tok]:
    return [_Tok(m.group(0), m.start(), m.end()) for m in _TOKEN_RE.finditer(lower)]


def _digits_of(word: str, language: str) -> str | None:
    """The digits one token stands for, or None when it is not a number token."""
    if word.isdigit():
        return word
    if language == "en":
        value: int | None = _EN_DIGITS.get(word)
        return None if value is None else str(value)
    if word == "ein" or word.startswith("eine"):
        return None
    value = cardinal_value(word)
    if value is None or value >= 1000:
        return None
    return str(value)


def _read_run(toks: list[_Tok], i: int, language: str) -> tuple[str, int, int]:
    """Read number tokens from toks[i]; return (digits incl. '+', last token index, next i)."""
    out = ""
    last = -1
    j = i
    while j < len(toks):
        word = toks[j].text
        nxt = toks[j + 1].text if j + 1 < len(toks) else ""
        if word in ("+", "plus") and not out:
            if _digits_of(nxt, language) is None:
                break
            out, j = "+", j + 1
            continue
        if word == "(0)":
            out += "" if out.startswith("+") else "0"
            last, j = j, j + 1
            continue
        if word in _DOUBLE and nxt:
            digit = _digits_of(nxt, language)
            if digit is not None and len(digit) == 1:
                out += digit * _DOUBLE[word]
                last, j = j + 1, j + 2
                continue
            break
        # "neun und vierzig" (Vosk sometimes splits the compound)
        if (
            language == "de"
            and word in _DE_UNITS
            and nxt == "und"
            and j + 2 < len(toks)
            and toks[j + 2].text in _DE_TENS
        ):
            value = cardinal_value(word + "und" + toks[j + 2].text)
            out += str(value)
            last, j = j + 2, j + 3
            continue
        digits = _digits_of(word, language)
        if digits is not None:
            out += digits
            last, j = j, j + 1
            continue
        if out.strip("+") and (word in _SOFT_SEPARATORS or word in _FILLERS.get(language, set())):
            j += 1
            continue
        # groups dictated with pauses: "null eins sieben sechs, zwei drei vier, ..."
        spoken_pause = j + 1 < len(toks) and toks[j].end < toks[j + 1].start  # ", " not "27.11."
        if (
            out.strip("+")
            and word in (",", ";", ".")
            and spoken_pause
            and _digits_of(nxt, language) is not None
        ):
            j += 1
            continue
        break
    return out, last, max(j, i + 1)


def extract_phone_numbers(text: str, language: str = "de") -> list[Entity]:
    """All phone numbers in ``text``.

    >>> spoken = "null acht neun zweiundvierzig dreiundzwanzig siebzehn"
    >>> [e.value for e in extract_phone_numbers(spoken)]
    ['089422317']
    """
    toks = _tokens(lower_same_length(text))
    found: list[Entity] = []
    i = 0
    while i < len(toks):
        digits, last, nxt = _read_run(toks, i, language)
        start, end = toks[i].start, toks[max(last, i)].end
        before = {t.text for t in toks[max(0, i - 3) : i]}
        prev = [t.text for t in toks[max(0, i - 2) : i] if t.text != "."][-1:]
        house = _digits_of(toks[i].text, language) or ""
        if prev and _STREET_RE.fullmatch(prev[0]) and last > i and house[:1] not in ("", "0"):
            i += 1  # the house number; a phone number may still follow it
            continue
        if (
            last >= i
            and len(digits.lstrip("+")) >= MIN_DIGITS
            and not _DATE_RE.fullmatch(text[start:end])
            and not before & _REFERENCE_WORDS
        ):
            if i > 0 and toks[i - 1].text == "(" and digits[:1] == "0":
                start = toks[i - 1].start  # "(089) 123-4567": the bracket belongs to it
            found.append(make_entity("phone_number", digits, text, start, end, EXTRACTOR))
            i = last + 1
        else:
            i = nxt
    return found
