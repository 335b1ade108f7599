"""Finding the business's own words (service names, synonyms, places) in a question:
whole words, word starts and compound parts, umlauts folded."""

from __future__ import annotations

from agent.understanding.meaning import fold, tokens
from agent.understanding.sounds_like import sounds_like

from ..cues import strip_words
from ..utterance import Utterance

#: Words a question is made of that never name the thing asked about.
_FRAME = frozenset(
    fold(w)
    for w in [
        "machen",
        "kümmern",
        "bieten",
        "übernehmen",
        "reparieren",
        "bauen",
        "verlegen",
        "installieren",
        "tauschen",
        "reinigen",
        "sanieren",
        "montieren",
        "verkaufen",
        "führen",
        "liefern",
        "können",
        "könnt",
        "kann",
        "gibt",
        "gibt's",
        "haben",
        "habt",
        "hat",
        "sie",
        "ihr",
        "euch",
        "es",
        "das",
        "der",
        "die",
        "den",
        "dem",
        "des",
        "ein",
        "eine",
        "einen",
        "einem",
        "auch",
        "noch",
        "um",
        "so",
        "was",
        "wer",
        "wie",
        "wo",
        "ob",
        "mal",
        "bitte",
        "denn",
        "eigentlich",
        "vielleicht",
        "bei",
        "ihnen",
        "euch",
        "uns",
        "mir",
        "mich",
        "ich",
        "wir",
        "und",
        "oder",
        "von",
        "für",
        "mit",
        "zu",
        "zum",
        "zur",
        "in",
        "im",
        "an",
        "am",
        "auf",
        "aus",
        "nach",
        "bis",
        "da",
        "dort",
        "hier",
        "ja",
        "nein",
        "gerne",
        "gern",
        "frage",
        "wissen",
        "sagen",
        "fragen",
        "wollte",
        "würde",
        "möchte",
        "do",
        "you",
        "also",
        "offer",
        "can",
        "could",
        "handle",
        "install",
        "fix",
        "repair",
        "clean",
        "sell",
        "deal",
        "work",
        "on",
        "with",
        "the",
        "a",
        "an",
        "and",
        "or",
        "of",
        "for",
        "to",
        "in",
        "at",
        "by",
        "is",
        "are",
        "does",
        "did",
        "your",
        "you",
        "we",
        "i",
        "me",
        "my",
        "please",
        "question",
        "know",
        "tell",
        *[
            "lange",
            "lang",
            "dauert",
            "dauern",
            "dauer",
            "ungefähr",
            "etwa",
            "circa",
            "zirka",
            "take",
            "takes",
            "long",
            "roughly",
        ],
    ]
)


def _word_hits(word: str, toks: list[str]) -> int:
    """How well ``word`` (one word of a term) is said: 0 no, 2 as a word start or a
    compound's end ("bad" in "badezimmer", "anlagen" in "trinkwasseranlagen")."""
    w = fold(word)
    for t in toks:
        if t == w or (len(w) >= 4 and (t.startswith(w) or t.endswith(w))):
            return 2
        if len(w) >= 6 and w in t:
            return 1
        if len(t) >= 5 and t.startswith(w[: max(5, len(w) - 2)]):
            return 1  # inflection: "bäder" for "bad" is not reached, "heizungen" is
        if sounds_like(t, w):
            return 1  # misheard: "Wärmepumben"
    return 0


def mentions(u: Utterance, terms: list[str]) -> int:
    """The best score of any term (all its words said) in ``u``; 0 when none is."""
    toks = tokens(u.standard)
    joined = ["".join(toks[i : i + 2]) for i in range(len(toks) - 1)]
    best = 0
    for term in terms:
        parts = [p for p in fold(term).split() if p not in _FRAME]
        if not parts:
            continue
        scores = [max(_word_hits(p, toks), _word_hits(p, joined)) for p in parts]
        if all(scores):
            best = max(best, sum(scores) + len(parts))
    return best


def object_words(u: Utterance) -> list[str]:
    """What the question is about, without its frame ('machen Sie auch Elektro?' ->
    ['elektro'])."""
    rest = strip_words(u.norm, u.language, "fillers", "greeting", "question_phrases")
    return [t for t in tokens(rest) if t not in _FRAME and len(t) > 2]
