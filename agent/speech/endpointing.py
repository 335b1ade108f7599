"""Does what the caller said so far sound finished?

A short end-of-turn silence makes replies fast but cuts callers who pause in the
middle of a sentence ("Ich hätte gern einen Termin am ... Dienstag"). So the turn
listener ends a turn after the short silence only when the words so far sound
complete; when they end in a word that needs a continuation (a conjunction, an
article, a preposition, a filler) or in a comma, it waits for the longer
silence. Whisper's punctuation is the strongest hint: a transcript ending in
".", "?" or "!" is finished.
"""

from __future__ import annotations

import re

# Words after which a German or English speaker has not finished the sentence.
_UNFINISHED: dict[str, frozenset[str]] = {
    "de": frozenset(
        {
            # fillers and hesitations
            "äh", "ähm", "öh", "öhm", "hm", "hmm", "mh", "ehm", "em",
            # conjunctions
            "und", "oder", "aber", "sondern", "denn", "dass", "weil", "wenn", "ob", "als",
            "bzw", "beziehungsweise", "sowie",
            # articles and possessives
            "der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "einem",
            "einer", "eines", "mein", "meine", "meinen", "meinem", "meiner", "unser",
            "unsere", "unseren", "ihr", "ihre", "ihren", "kein", "keine", "keinen",
            # prepositions (and their contractions)
            "am", "an", "um", "im", "in", "auf", "für", "mit", "von", "vom", "zu", "zum",
            "zur", "bei", "beim", "nach", "bis", "ab", "aus", "über", "unter", "vor",
            "gegen", "ohne", "durch", "seit",
            # a sentence that has only begun ("ich", "es", "gerne", "so" end complete
            # answers too: "das mache ich", "ja gerne")
            "wir", "ist", "bin", "sind", "hätte", "hätten", "möchte", "möchten",
            "würde", "würden", "brauche", "brauchen", "heiße", "wohne", "nämlich",
        }
    ),
    "en": frozenset(
        {
            "uh", "um", "er", "erm", "hmm", "mm",
            "and", "or", "but", "because", "that", "which", "if", "when", "than",
            "the", "a", "an", "my", "our", "your", "some",
            "at", "on", "in", "for", "with", "to", "of", "from", "by", "about", "after",
            "before", "until", "into",
            # a sentence that has only begun ("yes I can", "that's what I need" are done)
            "i", "we", "would", "like",
        }
    ),
}  # fmt: skip
_WORD = re.compile(r"[\w'’-]+", re.UNICODE)


def looks_unfinished(text: str, language: str = "de") -> bool:
    """True when ``text`` (a partial or a whole transcript) seems to stop mid-sentence."""
    stripped = text.strip()
    if not stripped:
        return False
    if stripped[-1] in ".?!":
        return stripped.endswith("...")  # Whisper writes a trailing-off voice as "..."
    if stripped[-1] in ",;:-–…":
        return True
    words = _WORD.findall(stripped.lower())
    if not words:
        return False
    lang = language.split("-")[0].lower()
    return words[-1] in _UNFINISHED.get(lang, _UNFINISHED["de"])
