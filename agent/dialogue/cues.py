"""Deterministic cues in what the caller said: yes/no, closings, greetings and goodbyes,
thanks, upset, a question, asking for a person, a topic change, "this number", "as soon
as possible", ordinals, "weiß ich nicht", a pause.

The words are data (``agent/language/<lang>.yaml``, ``cues:``); these run on every
utterance regardless of the NLU backend, so the dialogue's safety decisions
(confirmations, handover of an upset caller, ending a call) never hang on a classifier.
``norm`` is the normalised, dialect-standardised text (:func:`normalize`).
"""

from __future__ import annotations

import re
from functools import cache

from agent.language import pack
from agent.profile import Language

_PUNCT = re.compile(r"[^\w\s+]", re.UNICODE)


def normalize(text: str) -> str:
    """Lower case, punctuation as spaces, single spaces ('Nein, Do!' -> 'nein do')."""
    return " ".join(_PUNCT.sub(" ", text.lower()).split())


def has_phrase(norm: str, phrase: str) -> bool:
    """``phrase`` starts at a word boundary in ``norm`` (its last word may go on:
    'überschwemm' matches 'überschwemmt')."""
    return f" {normalize(phrase)}" in f" {norm} "


def has_word_phrase(norm: str, phrase: str) -> bool:
    """``phrase`` as whole words in ``norm``."""
    return f" {normalize(phrase)} " in f" {norm} "


def find_phrase(norm: str, phrase: str) -> int:
    """Index of ``phrase`` in ``norm`` starting at a word boundary, or -1."""
    return f" {norm} ".find(f" {normalize(phrase)}")


def loose_phrase(norm: str, phrase: str, gap: int = 2) -> bool:
    """Each word of ``phrase`` starts a word of ``norm``, in order, with at most ``gap``
    other words between: 'riecht nach gas' matches 'es riecht hier nach gas'."""
    words = normalize(phrase).split()
    if not words:
        return False
    between = rf"\S*(?: \S+){{0,{gap}}} "
    pattern = r"(?<!\S)" + between.join(re.escape(w) for w in words)
    return re.search(pattern, norm) is not None


def any_phrase(norm: str, phrases: tuple[str, ...] | list[str]) -> bool:
    return any(has_phrase(norm, p) for p in phrases)


def any_word_phrase(norm: str, phrases: tuple[str, ...] | list[str]) -> bool:
    return any(has_word_phrase(norm, p) for p in phrases)


def word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


@cache
def words(language: Language, key: str) -> tuple[str, ...]:
    """A cue list, normalised, longest first."""
    return tuple(sorted({normalize(w) for w in pack(language).cue(key)}, key=len, reverse=True))


@cache
def word_tokens(language: Language, key: str) -> frozenset[str]:
    """The single words of a cue list."""
    return frozenset(w for w in words(language, key) if " " not in w)


def has_cue(norm: str, language: Language, key: str) -> bool:
    """A phrase of the cue list ``key`` stands in ``norm`` as whole words."""
    return any_word_phrase(norm, words(language, key))


def strip_words(norm: str, language: Language, *keys: str) -> str:
    """``norm`` without the phrases of the cue lists ``keys`` (whole words)."""
    text = f" {norm} "
    for key in keys:
        for phrase in words(language, key):
            text = text.replace(f" {phrase} ", " ")
            while f" {phrase} " in text:
                text = text.replace(f" {phrase} ", " ")
    return " ".join(text.split())


# -- yes, no, closings ---------------------------------------------------------------------

_NA_NO = frozenset({"danke", "das", "des", "passt", "nichts", "nix", "nein", "schon", "scho",
                    "eh", "nicht", "ned", "net", "gar", "ganz"})  # fmt: skip


def is_closing(norm: str, language: Language) -> bool:
    """'Das war's', 'mehr brauch ich nicht', 'passt so': nothing more wanted."""
    return has_cue(norm, language, "closing")


def is_thanks(norm: str, language: Language) -> bool:
    return has_cue(norm, language, "thanks")


def yes_no(norm: str, language: Language) -> bool | None:
    """True for yes, False for no, None when the utterance is neither (a closing is
    neither: what it means depends on the question, see :func:`closing_means`)."""
    if not norm or is_closing(norm, language):
        return None
    for harmless in ("kein problem", "keine ursache", "nicht schlimm", "no problem",
                     "no worries", "not a problem"):  # fmt: skip
        norm = f" {norm} ".replace(f" {harmless} ", " ").strip()
    tokens = norm.split()
    if not tokens:
        return True
    no = word_tokens(language, "no")
    yes = word_tokens(language, "yes")
    first = tokens[0]
    if first in no or has_cue(norm, language, "no_phrases"):
        return False
    if first == "na" and (len(tokens) == 1 or tokens[1] in _NA_NO):  # Bavarian "na"
        return False
    negation = word_tokens(language, "negation")
    if first in yes or has_cue(norm, language, "yes_phrases"):
        return not (negation & set(tokens[1:4]) - {"nein"} and first not in no)
    if len(tokens) <= 3 and no & set(tokens):
        return False
    if len(tokens) <= 3 and yes & set(tokens) and not negation & set(tokens):
        return True
    return None


# -- greetings and goodbyes ----------------------------------------------------------------


def is_greeting(norm: str, language: Language) -> bool:
    """The utterance starts with a greeting ('Servus, ...', 'Grüß Gott')."""
    return any(f"{norm} ".startswith(f"{g} ") for g in words(language, "greeting"))


def only_leave_taking(norm: str, language: Language) -> bool:
    """Nothing but goodbye, thanks, a closing, yes/no and fillers ('passt, danke, ciao')."""
    rest = strip_words(
        norm, language, "goodbye", "greeting_or_goodbye", "thanks", "closing", "yes_phrases",
        "no_phrases", "yes", "no", "fillers", "greeting",
    )  # fmt: skip
    return len(rest.split()) <= 1


def is_goodbye(norm: str, language: Language, *, first_turn: bool = False) -> bool:
    """The caller takes leave. A greeting never does: "Servus, ich bräucht an Termin" and
    a bare "Servus" at the start of a call greet; "Passt, danke, servus" takes leave.
    A leave-taking word ends the call when it comes at the end of what was said, or when
    nothing else was said."""
    tokens = norm.split()
    if not tokens:
        return False
    tail = " ".join(tokens[-4:])
    if any_word_phrase(tail, words(language, "goodbye")):
        return not (first_turn and only_greeting(norm, language))
    ambiguous = words(language, "greeting_or_goodbye")
    if any_word_phrase(tail, ambiguous) and not any(
        f"{norm} ".startswith(f"{a} ") for a in ambiguous
    ):
        return True  # "... danke, servus"
    if any_word_phrase(norm, ambiguous) and only_leave_taking(norm, language):
        return not first_turn and (
            len(tokens) > 1 or is_thanks(norm, language) or is_closing(norm, language)
        )
    return False


def without_greeting(text: str, language: Language) -> str:
    """``text`` without the greeting it starts with ('Servus, ich bräucht an Termin' ->
    'ich bräucht an Termin'); the text itself when nothing else is left."""
    words_ = text.split()
    norm_words = [normalize(w) for w in words_]
    for g in words(language, "greeting") + words(language, "greeting_or_goodbye"):
        g_words = g.split()
        if [w for w in norm_words[: len(g_words)] if w] == g_words and len(words_) > len(g_words):
            rest = " ".join(words_[len(g_words) :]).lstrip(" ,.!;:-")
            return rest or text
    return text


def only_greeting(norm: str, language: Language) -> bool:
    rest = strip_words(norm, language, "greeting", "greeting_or_goodbye", "fillers")
    return not rest


# -- mood, questions, requests -------------------------------------------------------------


def is_upset(text: str, language: Language) -> bool:
    """Swearing and anger words, SHOUTING in typed text, or repeated exclamation marks."""
    norm = normalize(text)
    if any_phrase(norm, words(language, "upset")):
        return True
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 8 and sum(c.isupper() for c in letters) / len(letters) > 0.7:
        return True
    return "!!" in text or text.count("!") >= 3


def asks_for_person(norm: str, language: Language) -> bool:
    return any_phrase(norm, words(language, "person_request"))


def is_question(text: str, language: Language) -> bool:
    """A question: a question mark, a question word or verb first, or a question phrase
    ('ich wollte fragen', 'was kostet')."""
    norm = normalize(text)
    if text.rstrip().endswith("?"):
        return True
    body = strip_words(norm, language, "fillers", "greeting", "greeting_or_goodbye", "thanks")
    tokens = body.split()
    if not tokens:
        return False
    if tokens[0] in ("und", "and", "aber", "but", "oder", "or") and len(tokens) > 1:
        tokens = tokens[1:]
    first = " ".join(tokens[:2])
    if tokens[0] in word_tokens(language, "question_words") or any(
        f"{first} ".startswith(f"{q} ") for q in words(language, "question_words") if " " in q
    ):
        return True
    verbs, subjects = word_tokens(language, "question_verbs"), word_tokens(language, "subjects")
    negation = word_tokens(language, "negation")
    for i in range(min(len(tokens) - 1, 6)):  # "sorry, quick one: do you take card"
        if i and tokens[i - 1] not in _QUESTION_LEADS:
            break  # only after a preamble: "ich bin die Sandra" is no question
        if (
            tokens[i] in verbs
            and tokens[i + 1] in subjects
            and not negation & set(tokens[i + 1 : i + 4])
        ):
            return True  # "haben Sie ...", "gibt es ...", "do you ..." (not "hab ich nicht")
    return any_word_phrase(norm, words(language, "question_phrases"))


#: A preamble a question may follow ("sorry, quick one: do you ...", "sag mal, habt ihr").
_QUESTION_LEADS = frozenset(
    [
        "sorry",
        "quick",
        "one",
        "question",
        "frage",
        "kurze",
        "eine",
        "noch",
        "und",
        "and",
        "also",
        "ok",
        "okay",
        "well",
        "hm",
        "äh",
        "ähm",
        "entschuldigung",
        "mal",
        "sagen",
        "sie",
        "sag",
        "by",
        "the",
        "way",
        "übrigens",
        "moment",
        "wait",
        "oh",
        "ah",
        "ach",
    ]
)


def changes_topic(text: str, language: Language) -> bool:
    return any_phrase(normalize(text), words(language, "topic_change"))


def means_this_number(norm: str, language: Language) -> bool:
    return any_phrase(norm, words(language, "this_number"))


def means_asap(norm: str, language: Language) -> bool:
    return any_phrase(norm, words(language, "asap"))


def wants_later(norm: str, language: Language) -> bool:
    return any_phrase(norm, words(language, "later"))


def means_unknown(norm: str, language: Language) -> bool:
    return any_phrase(norm, words(language, "unknown"))


def is_pause(norm: str, language: Language) -> bool:
    """'Moment, ich muss kurz überlegen': not an answer, nothing else either."""
    if not any_phrase(norm, words(language, "pause")):
        return False
    rest = strip_words(norm, language, "pause", "fillers", "yes", "no")
    if rest and is_question(rest, language):
        return False  # "Moment, wie sind Ihre Öffnungszeiten?" is a question
    return len(rest.split()) <= 4


def wants_repeat(norm: str, language: Language) -> bool:
    return any_word_phrase(norm, words(language, "repeat")) and len(norm.split()) <= 6


_MONTH_OR_DIGIT = re.compile(
    r"\d|januar|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember|"
    r"january|february|march|june|july|october|december"
)
_ORDINAL_KEYS = (("ordinal_first", 0), ("ordinal_second", 1), ("ordinal_third", 2),
                 ("ordinal_last", -1))  # fmt: skip


def ordinal_choice(norm: str, language: Language) -> int | None:
    """'den zweiten' -> 1, 'the last one' -> -1; None when a date is meant ('am ersten März')."""
    if _MONTH_OR_DIGIT.search(norm):
        return None
    tokens = norm.split()
    one = {"one", "den", "der", "dem", "the", "termin", "slot"} & set(tokens)
    if one and {"later", "späteren", "spätere"} & set(tokens):
        return -1  # "the later one", "den späteren"
    if one and {"earlier", "früheren", "frühere"} & set(tokens):
        return 0
    for token in tokens:
        for key, index in _ORDINAL_KEYS:
            if token in word_tokens(language, key) and not (
                index == 0 and token in ("eins", "einen") and len(tokens) > 2
            ):
                return index
    return None


_DAY_WORDS = re.compile(
    r"\d+\s*\.|heute|morgen|übermorgen|montag|dienstag|mittwoch|donnerstag|freitag|samstag|"
    r"sonntag|woche|today|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"week|\d+(st|nd|rd|th)\b|" + _MONTH_OR_DIGIT.pattern.removeprefix(r"\d|")
)


def names_a_day(entity_text: str) -> bool:
    """The time expression says which day ('Donnerstag um 10'), not only a time ('um 10')."""
    return bool(_DAY_WORDS.search(entity_text.lower()))
