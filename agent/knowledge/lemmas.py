"""Dictionary forms of words, and whether a word names a thing (a noun).

The Snowball stemmer cuts endings ("Wartungen" -> "wartung") but not the forms a
caller's verb takes ("auszutauschen", "geliehen", "bezahle"): their dictionary form
("austauschen", "leihen", "bezahlen") is looked up in ``simplemma``'s word lists (MIT,
shipped in the package, no download). Its lemmas keep the capital of a German noun, which
tells a thing ("Therme", "Schlafzimmer") from what is said about it ("neu", "schauen"),
also in a recogniser's lower-case transcript.
"""

from __future__ import annotations

from functools import lru_cache

import simplemma

from agent.profile import Language


@lru_cache(maxsize=50_000)
def lemma(word: str, language: Language) -> str:
    """The dictionary form of a lower-case ``word`` (with its umlauts), lower case; the
    word itself when the word lists do not have it."""
    if not word.isalpha():
        return word
    return str(simplemma.lemmatize(word, lang=language)).lower()


@lru_cache(maxsize=50_000)
def dictionary_noun(word: str, language: Language) -> bool | None:
    """True when the word lists know ``word`` as a noun, False when they know it as
    another word, None when they do not know it (a name, a rare compound)."""
    if not word.isalpha():
        return None
    found = str(simplemma.lemmatize(word, lang=language))
    if found[:1].isupper():
        return True
    if found != word or simplemma.is_known(word, lang=language):
        return False
    return None


def warm(language: Language) -> None:
    """Load the language's word lists now (about a second), not in the first call."""
    lemma("wartungen", language)
