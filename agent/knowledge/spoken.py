"""Written text made speakable: abbreviations said out, dashes and markup gone.

Numbers, prices and times stay as they are: the voice's own spoken form says them
(agent/speech/say_de).
"""

from __future__ import annotations

import re

_SPEAK = [
    (re.compile(r"\bz\.\s?B\."), "zum Beispiel"),
    (re.compile(r"\binkl\."), "inklusive"),
    (re.compile(r"\bzzgl\."), "zuzüglich"),
    (re.compile(r"\bca\."), "circa"),
    (re.compile(r"\bbzw\."), "beziehungsweise"),
    (re.compile(r"\bu\.\s?a\."), "unter anderem"),
    (re.compile(r"\bd\.\s?h\."), "das heißt"),
    (re.compile(r"\bggf\."), "gegebenenfalls"),
    (re.compile(r"\bevtl\."), "eventuell"),
    (re.compile(r"\bMwSt\.?"), "Mehrwertsteuer"),
    (re.compile(r"\bStd\."), "Stunde"),
    (re.compile(r"\bNr\."), "Nummer"),
    (re.compile(r"\s?m²"), " Quadratmeter"),
    (re.compile(r"\s?m³"), " Kubikmeter"),
    (re.compile(r"\bMo\.?\s*[–-]\s*Fr\.?"), "Montag bis Freitag"),
    (re.compile(r"\bMo\.?\s*[–-]\s*Do\.?"), "Montag bis Donnerstag"),
    (re.compile(r"(?<=\d)\s*[–—]\s*(?=\d)"), " bis "),
    (re.compile(r"\s+[–—]\s+"), ", "),
    (re.compile(r"[*_#`|>•→]+"), " "),
    (re.compile(r"\s+/\s+"), " oder "),
    (re.compile(r"https?://\S+"), ""),
]


def speakable(text: str) -> str:
    """Written-only forms said out (abbreviations, dashes, markup)."""
    for pattern, said in _SPEAK:
        text = pattern.sub(said, text)
    text = " ".join(text.split()).replace(" ,", ",").replace(" .", ".")
    if text and text[-1] not in ".!?":
        text += "."
    return text[:1].upper() + text[1:]
