"""Does a word the recogniser heard sound like a word we know?

Speech recognisers slip on German: Whisper base heard "Heizungspartum" for
"Heizungswartung" and "fentile" for "Ventile". Exact word matching loses such a
caller. So a heard word also counts for a known word when the two *sound* alike:
the same Kölner Phonetik code (the standard German phonetic code: "Ventile" and
"Fentile" are both 3625) and mostly the same letters, or, for long words, nearly the
same letters (at most one edit in five, by Levenshtein distance).

Short words never match by sound (too many neighbours: "Gas" and "Glas"), and a
match by sound is marked as such: the emergency rules never escalate on sound
alone (:mod:`agent.understanding.emergencies`).

Libraries: ``cologne-phonetics`` (MIT) for the code, ``rapidfuzz`` for the
distance; the thresholds are ours.
"""

from __future__ import annotations

from functools import lru_cache

import cologne_phonetics
from rapidfuzz.distance import Levenshtein

#: The shortest known word that may be matched by sound at all.
MIN_LENGTH = 6
#: The shortest word start ("riech*") that may be matched by sound.
MIN_PREFIX = 7
#: From this length on (both words), nearly the same letters is enough (one edit in five):
#: shorter words one letter apart are often other words ("Leitungen", "Leistungen").
LETTERS_LENGTH = 10
SIMILARITY = 0.8
#: The same code is not enough on its own ("Feiertage" and "vorrätig" share one).
SAME_SOUND_SIMILARITY = 0.6


@lru_cache(maxsize=65536)
def code(word: str) -> str:
    """The Kölner Phonetik code of one word ('' for none)."""
    found = cologne_phonetics.encode(word)
    return found[0][1] if found else ""


@lru_cache(maxsize=65536)
def sounds_like(heard: str, known: str) -> bool:
    """``heard`` (folded, one word) may be ``known`` (folded, one word) misheard."""
    if heard == known:
        return True
    if len(known) < MIN_LENGTH or len(heard) < MIN_LENGTH - 1:
        return False
    if abs(len(heard) - len(known)) > max(2, len(known) // 4):
        return False
    if heard[0] != known[0] and code(heard[0]) != code(known[0]):
        return False  # a different first sound is a different word
    alike = Levenshtein.normalized_similarity(heard, known)
    if code(heard) == code(known) and len(code(known)) >= 4 and alike >= SAME_SOUND_SIMILARITY:
        return True  # "fentile": the same sounds, and mostly the same letters
    return min(len(heard), len(known)) >= LETTERS_LENGTH and alike >= SIMILARITY


def starts_like(heard: str, prefix: str) -> bool:
    """``heard`` begins with something that sounds like ``prefix`` ('riech*')."""
    if len(prefix) < MIN_PREFIX or len(heard) < len(prefix):
        return False
    return sounds_like(heard[: len(prefix)], prefix)
