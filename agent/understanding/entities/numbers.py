"""German number words: vocabulary, regular expressions and values.

Values come from ``text2num`` (``text2num``/``alpha2digit``); this module adds
what it does not do: ordinals as single words ("siebenundzwanzigsten"), ASCII
spellings ("fuenf", "dreissig"), "zwo", "doppel null", fractions
("zweieinhalb", "anderthalb") and a normaliser that leaves the article "ein"
alone ("ein termin" stays a word, "um ein uhr" becomes "um 1 uhr").
"""

from __future__ import annotations

import re
from functools import lru_cache

from text_to_num import alpha2digit as _alpha2digit  # type: ignore[import-untyped]
from text_to_num import text2num as _text2num


def text2num(text: str, language: str) -> int:
    """text_to_num.text2num with a type (raises ValueError for non-numbers)."""
    return int(_text2num(text, language))


def alpha2digit(text: str, language: str, threshold: float = 3.0) -> str:
    """text_to_num.alpha2digit with a type."""
    return str(_alpha2digit(text, language, threshold=threshold))


_UNITS = ["ein", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"]
_SMALL = [
    "null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun",
    "zehn", "elf", "zwölf", "dreizehn", "vierzehn", "fünfzehn", "sechzehn", "siebzehn",
    "achtzehn", "neunzehn",
]  # fmt: skip
_TENS = ["zwanzig", "dreißig", "vierzig", "fünfzig", "sechzig", "siebzig", "achtzig", "neunzig"]
_ORDINAL_STEMS_1_9 = {
    "erst": 1, "zweit": 2, "dritt": 3, "viert": 4, "fünft": 5, "sechst": 6, "siebt": 7,
    "siebent": 7, "acht": 8, "neunt": 9,
}  # fmt: skip
_ORDINAL_ENDINGS = ("e", "en", "er", "em", "es")


def ascii_variants(word: str) -> set[str]:
    """The word plus the spellings without umlauts/ß that typed text uses."""
    out = {word}
    alt = word.replace("ß", "ss").replace("ü", "ue").replace("ö", "oe").replace("ä", "ae")
    out.add(alt)
    return out


def _build_cardinals() -> dict[str, int]:
    words = [*_SMALL, "zwo", "ein", *_TENS]
    words += [f"{u}und{t}" for t in _TENS for u in _UNITS]
    table: dict[str, int] = {}
    for word in words:
        value = text2num(word, "de")
        for variant in ascii_variants(word):
            table[variant] = value
    return table


def _build_ordinals() -> dict[str, int]:
    stems: dict[str, int] = dict(_ORDINAL_STEMS_1_9)
    for word in _SMALL[10:]:
        stems[word + "t"] = text2num(word, "de")
    for word in [*_TENS, *(f"{u}und{t}" for t in _TENS[:2] for u in _UNITS)]:
        value = text2num(word, "de")
        if value <= 31:
            stems[word + "st"] = value
    table: dict[str, int] = {}
    for stem, value in stems.items():
        for ending in _ORDINAL_ENDINGS:
            for variant in ascii_variants(stem + ending):
                table[variant] = value
    return table


#: Every German cardinal word from 0 to 99 (with ASCII spellings) and its value.
CARDINALS: dict[str, int] = _build_cardinals()
#: Ordinal words 1..31 in every ending ("erste", "ersten", "erster", ...).
ORDINALS: dict[str, int] = _build_ordinals()


def _alternation(words: set[str] | list[str]) -> str:
    return "(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + ")"


#: Regex source matching one cardinal word 0..99 (not the article forms "eine", "einen").
CARDINAL_WORD = _alternation(list(CARDINALS))
#: Regex source matching one ordinal word 1..31.
ORDINAL_WORD = _alternation(list(ORDINALS))
#: Regex source for the ten digit words (plus "zwo").
DIGIT_WORD = _alternation(
    [w for w, v in CARDINALS.items() if v < 10 and w != "ein"],
)


@lru_cache(maxsize=4096)
def cardinal_value(word: str) -> int | None:
    """The value of one cardinal token: digits, a word 0..99, or any word text2num knows.

    >>> cardinal_value("zweiundvierzig"), cardinal_value("hundertfünfzig"), cardinal_value("x")
    (42, 150, None)
    """
    word = word.lower().strip()
    if not word:
        return None
    if word.isdigit():
        return int(word)
    if word in CARDINALS:
        return CARDINALS[word]
    try:
        return int(text2num(_ASCII_TO_UMLAUT.get(word, word), "de"))
    except (ValueError, IndexError):
        return None


def ordinal_value(word: str) -> int | None:
    """The value of one ordinal token: "siebenundzwanzigsten" -> 27, "27." -> 27."""
    word = word.lower().strip()
    if word.endswith(".") and word[:-1].isdigit():
        return int(word[:-1])
    return ORDINALS.get(word)


_FRACTION_RE = re.compile(r"\b(anderthalb|eineinhalb|(\w+?)einhalb)\b")


def fraction_value(word: str) -> float | None:
    """ "zweieinhalb" -> 2.5, "anderthalb"/"eineinhalb" -> 1.5, "halb"/"halbe(n)" -> 0.5."""
    word = word.lower()
    if word in ("anderthalb", "eineinhalb"):
        return 1.5
    if word in ("halb", "halbe", "halben", "halbes", "halber"):
        return 0.5
    if word.endswith("einhalb") and len(word) > len("einhalb"):
        whole = cardinal_value(word[: -len("einhalb")])
        return None if whole is None else whole + 0.5
    return None


#: Digits with thousands separators as each language writes them (Whisper does):
#: German "15.000" / "1.500,50", English "15,000" / "1,500.50".
_GROUPED = {
    "de": re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?"),
    "en": re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?"),
}
_DECIMAL = re.compile(r"\d+[.,]\d+")


def digits_value(word: str, language: str = "de") -> float | None:
    """A number written in digits: "15.000" is 15000 in German, "15,000" in English;
    the other separator is the decimal point ("2,5" / "2.5"), and a typed "2.5" in
    German (or "2,5" in English) is taken as a decimal too.

    >>> digits_value("1.500"), digits_value("1.500", "en"), digits_value("1.000,50")
    (1500.0, 1.5, 1000.5)
    """
    if word.isdigit():
        return float(word)
    grouped = _GROUPED["en" if language == "en" else "de"]
    if grouped.fullmatch(word):
        thousands, point = (",", ".") if language == "en" else (".", ",")
        return float(word.replace(thousands, "").replace(point, "."))
    if _DECIMAL.fullmatch(word):
        return float(word.replace(",", "."))
    return None


def number_value(word: str, language: str = "de") -> float | None:
    """Cardinal, fraction or digits ("2,5", "2.5", "15.000"): the amount a word stands for."""
    card = cardinal_value(word)
    if card is not None:
        return float(card)
    frac = fraction_value(word)
    if frac is not None:
        return frac
    return digits_value(word, language) if word[:1].isdigit() else None


_ARTICLE_RE = re.compile(r"\bein\b(?!\s+uhr\b)", re.IGNORECASE)
_DOUBLE_RE = re.compile(r"\b(doppel|doppelt|dreifach)[ -](\w+)", re.IGNORECASE)
_SENTINEL = "\ue000"


def normalize_numbers(text: str) -> str:
    """German number words to digits in running text (the spans are not kept).

    >>> normalize_numbers("um ein uhr ein termin für zweieinhalb stunden doppel null")
    'um 1 uhr ein termin für 2,5 stunden 00'
    """

    def double(m: re.Match[str]) -> str:
        digit = cardinal_value(m.group(2))
        if digit is None or digit > 9:
            return m.group(0)
        return str(digit) * (3 if m.group(1).lower() == "dreifach" else 2)

    def fraction(m: re.Match[str]) -> str:
        value = fraction_value(m.group(1))
        return m.group(0) if value is None else f"{value:g}".replace(".", ",")

    text = _DOUBLE_RE.sub(double, text)
    text = _FRACTION_RE.sub(fraction, text)
    text = _ARTICLE_RE.sub(lambda m: m.group(0)[:-1] + _SENTINEL, text)
    text = _ASCII_WORD_RE.sub(lambda m: _ASCII_TO_UMLAUT.get(m.group(0).lower(), m.group(0)), text)
    text = alpha2digit(text, "de", threshold=0)
    return text.replace(_SENTINEL, "n")


def _ascii_to_umlaut() -> dict[str, str]:
    table: dict[str, str] = {}
    words = [*_SMALL, *_TENS, *(f"{u}und{t}" for t in _TENS for u in _UNITS)]
    words += [w for w in ORDINALS if not w.isascii()]
    for word in words:
        for variant in ascii_variants(word):
            if variant != word:
                table[variant] = word
    return table


_ASCII_TO_UMLAUT = _ascii_to_umlaut()
_ASCII_WORD_RE = re.compile(r"\b\w*(?:ue|oe|ss)\w*\b", re.IGNORECASE)
