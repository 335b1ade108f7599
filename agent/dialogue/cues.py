"""Deterministic cues in what the caller said: yes/no, upset, a question, a topic change,
a name, "this number", "as soon as possible", ordinals. German and English.

These run on every utterance regardless of the NLU backend, so the dialogue's safety
decisions (confirmations, handover of an upset caller) never hang on a classifier.
"""

from __future__ import annotations

import re

from agent.understanding.entities import Entity

_PUNCT = re.compile(r"[^\w\s+]", re.UNICODE)


def normalize(text: str) -> str:
    """Lower case, punctuation as spaces, single spaces ('Nein, Do!' -> 'nein do')."""
    return " ".join(_PUNCT.sub(" ", text.lower()).split())


def has_phrase(norm: str, phrase: str) -> bool:
    """``phrase`` starts at a word boundary in ``norm`` (its last word may go on:
    'überschwemm' matches 'überschwemmt')."""
    return f" {normalize(phrase)}" in f" {norm} "


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


def word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


_YES = word_set(
    "ja jawohl jo jep genau richtig korrekt stimmt passt gerne gern okay ok einverstanden "
    "klar freilich sicher selbstverständlich bitte yes yeah yep yup sure correct right "
    "absolutely exactly fine certainly please"
)
_NO = word_set("nein nee ne nö noe falsch no nope wrong incorrect")
_NOT = word_set("nicht not don't dont doesn't isn't")
_YES_PHRASES = (
    "das stimmt", "das passt", "in ordnung", "machen sie das", "gerne doch", "that's right",
    "that is right", "sounds good", "go ahead", "that's correct", "that is correct",
)  # fmt: skip
_NO_PHRASES = ("stimmt nicht", "passt nicht", "lieber nicht", "not right", "not correct")


def yes_no(norm: str) -> bool | None:
    """True for yes, False for no, None when the utterance is neither."""
    tokens = norm.split()
    if not tokens:
        return None
    if tokens[0] in _NO or any_phrase(norm, _NO_PHRASES):
        return False
    if tokens[0] in _YES or any_phrase(norm, _YES_PHRASES):
        return not (_NOT & set(tokens[:4]))
    if len(tokens) <= 3 and _NO & set(tokens):
        return False
    return None


_UPSET = (
    "verdammt", "verflucht", "scheiße", "scheisse", "frechheit", "unverschämt", "sauerei",
    "zum kotzen", "reicht mir", "reicht jetzt", "sofort einen menschen", "echten menschen",
    "keine maschine", "blöde maschine", "dumme maschine", "saftladen", "nervt", "damn",
    "bloody", "ridiculous", "useless", "stupid machine", "real person now", "fed up",
    "sick of", "what the hell", "shit", "fuck",
)  # fmt: skip


def is_upset(text: str) -> bool:
    """Swearing and anger words, SHOUTING in typed text, or repeated exclamation marks."""
    if any_phrase(normalize(text), _UPSET):
        return True
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 8 and sum(c.isupper() for c in letters) / len(letters) > 0.7:
        return True
    return "!!" in text or text.count("!") >= 3


_QUESTION_WORDS = word_set(
    "wie wo was wann warum wieso weshalb welche welcher welches wer wohin woher kann können "
    "könnten haben habt hat gibt bieten machen nehmen kommen fahren arbeiten what where when "
    "how why which who do does can could is are will"
)


def is_question(text: str) -> bool:
    norm = normalize(text)
    if text.rstrip().endswith("?") or any_phrase(norm, ("eine frage", "a question")):
        return True
    tokens = norm.split()
    return bool(tokens) and tokens[0] in _QUESTION_WORDS


_GOODBYE = ("tschüss", "tschüs", "auf wiederhören", "auf wiedersehen", "servus", "pfiat",
            "goodbye", "bye")  # fmt: skip


def is_goodbye(norm: str) -> bool:
    """The caller takes leave ('Danke, tschüss'), whatever the NLU says."""
    return any_phrase(norm, _GOODBYE)


_TOPIC_CHANGE = (
    "eigentlich", "erst", "zuerst", "vorher", "moment", "übrigens", "noch eine frage",
    "lieber", "stattdessen", "andere sache", "actually", "first", "wait", "by the way",
    "instead", "rather", "before that", "one more thing", "something else",
)  # fmt: skip


def changes_topic(text: str) -> bool:
    return any_phrase(normalize(text), _TOPIC_CHANGE)


_THIS_NUMBER = (
    "diese nummer", "dieser nummer", "diese hier", "von der ich anrufe", "die gleiche",
    "dieselbe", "die selbe", "meine nummer", "this number", "calling from", "same number",
    "this one",
)  # fmt: skip


def means_this_number(norm: str) -> bool:
    return any_phrase(norm, _THIS_NUMBER)


_ASAP = (
    "so bald wie möglich", "so schnell wie möglich", "möglichst bald", "möglichst schnell",
    "schnellstmöglich", "nächstmöglich", "egal", "wann immer", "irgendwann", "nächste freie",
    "nächsten freien", "ersten freien", "erste freie", "as soon as possible", "asap",
    "earliest", "any time", "anytime", "whenever", "doesn't matter", "next available",
    "next free", "first available",
)  # fmt: skip


def means_asap(norm: str) -> bool:
    return any_phrase(norm, _ASAP)


_LATER = ("später", "spaeter", "anderen termin", "andere termine", "was anderes", "later",
          "other times", "another time", "something else")  # fmt: skip


def wants_later(norm: str) -> bool:
    return any_phrase(norm, _LATER)


_ORDINALS = {
    "erste": 0, "ersten": 0, "erster": 0, "first": 0, "zweite": 1, "zweiten": 1, "zweiter": 1,
    "second": 1, "dritte": 2, "dritten": 2, "dritter": 2, "third": 2, "letzte": -1,
    "letzten": -1, "letzter": -1, "last": -1,
}  # fmt: skip
_MONTH_OR_DIGIT = re.compile(
    r"\d|januar|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember|"
    r"january|february|march|june|july|october|december"
)


def ordinal_choice(norm: str) -> int | None:
    """'den zweiten' -> 1, 'the last one' -> -1; None when a date is meant ('am ersten März')."""
    if _MONTH_OR_DIGIT.search(norm):
        return None
    for token in norm.split():
        if token in _ORDINALS:
            return _ORDINALS[token]
    return None


_DAY_WORDS = re.compile(
    r"\d+\s*\.|heute|morgen|übermorgen|montag|dienstag|mittwoch|donnerstag|freitag|samstag|"
    r"sonntag|woche|today|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"week|\d+(st|nd|rd|th)\b|" + _MONTH_OR_DIGIT.pattern.removeprefix(r"\d|")
)


def names_a_day(entity_text: str) -> bool:
    """The time expression says which day ('Donnerstag um 10'), not only a time ('um 10')."""
    return bool(_DAY_WORDS.search(entity_text.lower()))


_NAME_INTRO = re.compile(
    r"^(?:(?:also|äh|ähm|ja|yes|well|so)\s+)*(?:mein name ist|mein name|ich heiße|ich heisse|"
    r"ich bin|hier ist|hier spricht|das ist|name ist|my name is|my name's|i am|i'm|this is|"
    r"it's|it is|name)\s+"
)
_NOT_NAME = (
    word_set(
        "ja nein nee ok okay bitte danke nicht kein keine termin frage ich sie wir und oder der "
        "die das ein eine einen am um heute morgen yes no thanks thank please the a an and or not "
        "appointment question i you we today tomorrow tschüss tschüs servus wiederhören "
        "wiedersehen hallo bye goodbye hello"
    )
    | _QUESTION_WORDS
)


def name_from_answer(text: str, entities: tuple[Entity, ...]) -> str | None:
    """A name from an answer to "what is your name?": a person entity, or 1-4 plain words
    after an optional intro ('Schmidt', 'ich heiße anna schmidt')."""
    person = next((e for e in entities if e.entity == "person"), None)
    if person is not None:
        return person.value
    if any(e.entity in ("time", "phone_number", "email") for e in entities):
        return None
    rest = _NAME_INTRO.sub("", normalize(text))
    tokens = rest.split()
    if not 1 <= len(tokens) <= 4 or any(t in _NOT_NAME for t in tokens):
        return None
    if not all(re.fullmatch(r"[^\W\d_]+(?:-[^\W\d_]+)*", t) for t in tokens):
        return None
    return " ".join(t[:1].upper() + t[1:] for t in tokens)


_FILLERS = word_set("äh ähm öh hm also ja naja ok okay well uh er erm yes")


def free_text(text: str) -> str | None:
    """The answer to an open question, without leading fillers; None when nothing is left."""
    words = text.strip().split()
    while words and normalize(words[0]) in _FILLERS:
        words.pop(0)
    rest = " ".join(words).strip(" .,!?;:")
    return rest if normalize(rest) else None


_UNKNOWN = (
    "weiß nicht", "weiss nicht", "keine ahnung", "noch nicht", "noch offen", "egal",
    "kein budget", "don't know", "dont know", "no idea", "not sure", "not yet",
)  # fmt: skip


def means_unknown(norm: str) -> bool:
    return any_phrase(norm, _UNKNOWN)
