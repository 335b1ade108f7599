"""What a slot answer is worth keeping: a validator and a cleaner per kind of value.

Each function takes what the caller said and returns the clean value, or None when
the utterance does not answer that kind of question (a question of their own, a
pause, a greeting, a bare yes). Nothing is stored as said: "äh also in der
hauptstraße fünf in garching" is kept as "Hauptstraße 5, Garching", "huber anna huber"
as "Anna Huber", "so um die fünfzehntausend" as "ca. 15000 Euro".
"""

from __future__ import annotations

import re

from agent.profile import Language
from agent.understanding.entities.numbers import alpha2digit, normalize_numbers
from agent.understanding.entities.person import FIRST_NAMES

from .cues import (
    has_cue,
    is_pause,
    is_question,
    means_unknown,
    normalize,
    only_greeting,
    strip_words,
    wants_repeat,
    word_tokens,
    words,
)
from .utterance import Utterance

_EDGE = " \t.,;:!?-–\"'()"
_SMALL_WORDS = frozenset(
    [
        "in",
        "im",
        "am",
        "an",
        "auf",
        "bei",
        "beim",
        "der",
        "die",
        "das",
        "den",
        "dem",
        "des",
        "und",
        "von",
        "vom",
        "zum",
        "zur",
        "zu",
        "unter",
        "ob",
        "of",
        "the",
        "at",
        "on",
        "and",
        "in",
        "near",
        "by",
    ]
)
#: "nein, quatsch, ...": what comes after is what counts.
_CORRECTIONS = (
    "nein quatsch", "ne quatsch", "nee quatsch", "quatsch", "nein moment", "nein halt",
    "ich meine", "ich mein", "besser gesagt", "beziehungsweise", "bzw", "oder besser",
    "äh nein", "ähm nein", "nein nein", "sorry", "no wait", "i mean", "i meant", "or rather",
    "nee", "nein",
)  # fmt: skip
_SPELLING = re.compile(
    r"\s+(?:mit|with|wie|like|geschrieben|spelled|spelt|buchstabiert)\s+(?:\w{1,3}\s*){1,4}$",
    re.IGNORECASE,
)
_NAME_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*\.?")
_LETTERS = re.compile(r"(?:\s+[^\W\d_]){2,}\s*$")  # "emma walsh w a l s h": spelt out
#: "Ritter mit zwei t", "Meier mit e i", "Schmid with d t": how it is written, anywhere.
_SPELT = re.compile(
    r"\s+(?:mit|with)\s+(?:zwei|doppel|doppelt|double|two|einem|einer|nur einem|ohne)?\s*"
    r"[^\W\d_]{1,2}\b(?:\s+[^\W\d_]\b)*",
    re.IGNORECASE,
)


def _tokens(text: str) -> list[str]:
    return [t.strip(_EDGE) for t in text.split() if t.strip(_EDGE)]


def _lower(tokens: list[str]) -> list[str]:
    return [normalize(t) for t in tokens]


def _strip_lead(tokens: list[str], language: Language, *keys: str) -> list[str]:
    """Drop leading phrases of the cue lists ``keys`` (and fillers) again and again."""
    phrases = sorted(
        {tuple(p.split()) for k in ("fillers", *keys) for p in words(language, k)},
        key=len,
        reverse=True,
    )
    changed = True
    while tokens and changed:
        changed = False
        low = _lower(tokens)
        for p in phrases:
            if tuple(low[: len(p)]) == p and len(p) <= len(tokens):
                tokens = tokens[len(p) :]
                changed = True
                break
    return tokens


_TRAILERS = frozenset(
    [
        "sorry",
        "entschuldigung",
        "bitte",
        "danke",
        "ungefähr",
        "circa",
        "etwa",
        "so",
        "halt",
        "eben",
        "glaube",
        "glaub",
        "ich",
        "denke",
        "oder",
        "please",
        "thanks",
        "roughly",
        "about",
        "approximately",
        "i",
        "think",
    ]
)


def _strip_tail(tokens: list[str], language: Language) -> list[str]:
    fillers = word_tokens(language, "fillers") | _TRAILERS
    while tokens and normalize(tokens[-1]) in fillers:
        tokens = tokens[:-1]
    return tokens


def _after_correction(text: str) -> str:
    """'in eching nein quatsch in neufahrn' -> 'in neufahrn'."""
    low = f" {normalize(text)} "
    best = -1
    for marker in _CORRECTIONS:
        i = low.rfind(f" {marker} ")
        # not at the very start ("nein, der Ort ist ...") nor the end ("in Olching, sorry")
        if i > 0 and low[i + len(marker) + 2 :].strip():
            best = max(best, i + len(marker) + 2)
    if best < 0:
        return text
    # map the position in the normalised text back: count the words before it
    n_words = len(low[:best].split())
    return " ".join(text.split()[n_words:])


def _dedupe(tokens: list[str]) -> list[str]:
    out: list[str] = []
    for t in tokens:
        if out and normalize(out[-1]) == normalize(t):
            continue
        out.append(t)
    return out


def _capitalise(tokens: list[str], *, keep_small: bool = True) -> str:
    out = []
    for n, t in enumerate(tokens):
        if keep_small and n > 0 and t.lower() in _SMALL_WORDS:
            out.append(t.lower())
        elif t[:1].isalpha() and (t.islower() or (t.isupper() and len(t) > 3)):
            out.append(t[:1].upper() + t[1:].lower() if t.isupper() else t[:1].upper() + t[1:])
        else:
            out.append(t)
    return " ".join(out)


def clean_lead(tokens: list[str], language: Language) -> list[str]:
    """Without leading fillers, yes/no, greetings and text intros."""
    return _strip_lead(tokens, language, "yes", "no", "greeting", "text_intros")


def digits(text: str, language: Language) -> str:
    """Number words as digits: 'hauptstraße fünf' -> 'hauptstraße 5'."""
    return normalize_numbers(text) if language == "de" else alpha2digit(text, "en")


def non_answer(u: Utterance) -> bool:
    """Not an answer to any question: the caller asks something, pauses, asks us to
    repeat, only greets, or says nothing of substance."""
    if not u.norm:
        return True
    lang = u.language
    return (
        is_question(u.standard, lang)
        or is_pause(u.norm, lang)
        or wants_repeat(u.norm, lang)
        or only_greeting(u.norm, lang)
    )


def _content(u: Utterance, *keys: str, corrections: bool = True) -> list[str]:
    text = u.standard
    if corrections:
        text = _after_correction(text)
    tokens = _strip_lead(_tokens(text), u.language, "yes", "no", "greeting", *keys)
    return _strip_tail(tokens, u.language)


# -- names -----------------------------------------------------------------------------------

_NOT_NAME = frozenset(
    [
        "ja",
        "nein",
        "nee",
        "ok",
        "okay",
        "bitte",
        "danke",
        "nicht",
        "kein",
        "keine",
        "termin",
        "frage",
        "ich",
        "sie",
        "wir",
        "und",
        "oder",
        "der",
        "die",
        "das",
        "ein",
        "eine",
        "einen",
        "am",
        "um",
        "heute",
        "morgen",
        "yes",
        "no",
        "thanks",
        "thank",
        "please",
        "the",
        "a",
        "an",
        "and",
        "or",
        "not",
        "appointment",
        "question",
        "i",
        "you",
        "we",
        "today",
        "tomorrow",
        "tschüss",
        "tschüs",
        "servus",
        "wiederhören",
        "wiedersehen",
        "hallo",
        "bye",
        "goodbye",
        "hello",
        "hier",
        "da",
        "mal",
        "was",
        "wie",
        "wo",
        "wann",
        "warum",
        "gerne",
        "gern",
        "genau",
        "richtig",
        "stimmt",
        "moment",
        "ahnung",
        "nummer",
        "telefon",
        "handy",
        "adresse",
        "straße",
        "budget",
        "euro",
        "number",
        "phone",
        "address",
        "street",
        "unter",
        "auf",
        "bei",
        "mit",
        "für",
        "von",
        "zu",
        "im",
        "in",
        "an",
    ]
)
_TITLES = frozenset({"herr", "herrn", "frau", "mr", "mrs", "ms", "miss"})
_DOCTOR = frozenset({"dr", "dr.", "doktor", "doctor", "prof", "prof."})
_NAME_PARTICLES = frozenset({"von", "van", "de", "der", "zu", "da", "di", "la", "le"})


def person_name(u: Utterance) -> str | None:
    """The caller's name from an answer to "Wie ist Ihr Name?"."""
    if non_answer(u) or u.entity("phone_number") or u.entity("email"):
        return None
    if means_unknown(u.norm, u.language) or has_cue(u.norm, u.language, "closing"):
        return None
    text = _LETTERS.sub("", _SPELT.sub("", _SPELLING.sub("", u.standard.strip(_EDGE))))
    tokens = _content(u.restated(text), "name_intros")
    fillers = word_tokens(u.language, "fillers")
    inner = [i for i, t in enumerate(tokens) if normalize(t) in fillers]
    if inner:  # "mike uh michael brennan": the name after the slip
        after = tokens[inner[-1] + 1 :]
        tokens = after if len(after) >= 2 else [t for t in tokens if normalize(t) not in fillers]
    tokens = [t for t in tokens if normalize(t) not in _TITLES]
    tokens = _dedupe(tokens)
    if len(tokens) >= 3 and normalize(tokens[0]) == normalize(tokens[-1]):
        tokens = tokens[1:]  # "Huber, Anna Huber"
    if not 1 <= len(tokens) <= 4:
        return None
    low = _lower(tokens)
    if any(t in _NOT_NAME and not (n and t in _NAME_PARTICLES) for n, t in enumerate(low)):
        return None
    if not all(_NAME_WORD.fullmatch(t) for t in tokens):
        return None
    out = []
    for t, lt in zip(tokens, low, strict=True):
        if lt in _DOCTOR:
            out.append("Dr.")
        elif lt in _NAME_PARTICLES and out:
            out.append(lt)
        else:
            out.append(t[:1].upper() + t[1:] if not t.isupper() else t.capitalize())
    return " ".join(out)


#: "hier ist ..." names a person only when a known first name or "Frau"/"Herr" follows.
_GATED_INTROS = frozenset({"hier ist", "hier is"})


def name_in_passing(u: Utterance) -> str | None:
    """'Hi, this is Priya Raman, I'd like ...' -> 'Priya Raman': the words right after
    "mein Name ist" / "this is", up to the next comma or a word that is no name."""
    phrases = sorted(words(u.language, "name_said"), key=len, reverse=True)
    low = normalize(u.standard)
    for phrase in phrases:
        i = f" {low} ".find(f" {phrase} ")
        if i < 0:
            continue
        if phrase in _GATED_INTROS:  # "hier ist der Keller voll" names nobody
            found = u.entity("person")
            value = str(found.value) if found is not None else ""
            known = any(w.lower() in FIRST_NAMES for w in value.split())
            if known or value.startswith(("Frau ", "Herr ")):
                return value
            continue
        n_before = len(low[:i].split())
        rest = u.standard.split()[n_before + len(phrase.split()) :]
        taken: list[str] = []
        for w in rest:
            clean = w.strip(_EDGE)
            if not clean or normalize(clean) in _NOT_NAME or not _NAME_WORD.fullmatch(clean):
                break
            taken.append(clean)
            if w.endswith((",", ".", "!", "?", ";")) or len(taken) == 3:
                break
        if taken:
            return person_name(u.restated(" ".join(taken)))
    return None


# -- places ----------------------------------------------------------------------------------

_IN = re.compile(r"\s+(?:in|im|bei|near)\s+(?=[^\W\d_])", re.IGNORECASE)


def place(u: Utterance, known: tuple[str, ...] = ()) -> str | None:
    """A place or an address: 'äh also in der hauptstraße fünf in garching' ->
    'Hauptstraße 5, Garching'; "It's at Hauptstraße five" -> 'Hauptstraße 5'. With the
    business's ``known`` places, a remark after the place is dropped ("Vaterstetten,
    Einfamilienhaus, Baujahr 1978" -> 'Vaterstetten')."""
    if non_answer(u) or means_unknown(u.norm, u.language):
        return None
    tokens = _content(u, "place_intros")
    tokens = _strip_lead(tokens, u.language, "place_intros")
    if not tokens or not _names_a_place(u, tokens):
        return None
    text = digits(" ".join(tokens), u.language)
    text = re.sub(r"(\d+)\s+([a-hA-H])\b", r"\1\2", text)  # "44 a" -> "44a"
    parts = _dedupe(text.split())
    if not any(len(p) >= 3 and p[:1].isalpha() for p in parts) or len(parts) > 14:
        return None
    said = re.sub(r"(\d+[a-h]?) (?=[A-ZÄÖÜ])", r"\1, ", _capitalise(parts))
    street_then_town = _IN.split(said, maxsplit=1)
    if len(street_then_town) == 2 and re.search(r"\d", street_then_town[0]):
        said = f"{street_then_town[0]}, {_capitalise(street_then_town[1].split())}"
    for town in known:  # a remark after a known place is no part of it
        m = re.search(rf"\b{re.escape(town)}\b", said, re.IGNORECASE)
        if m is not None:
            rest = _STREET_NUMBER.search(said, m.end())  # "München, Plinganserstraße 12"
            end = rest.end() if rest is not None else m.end()
            part = _DISTRICT.match(said, end)  # "München, äh in Schwabing"
            district = f", {part.group(1)[:1].upper()}{part.group(1)[1:]}" if part else ""
            return said[:end].rstrip(" ,") + district
    return said


_DISTRICT = re.compile(
    r"[\s,]*(?:(?:äh|ähm|uh|um|also|genauer|genauer gesagt)\s+)*(?:in|im)\s+([\wäöüß-]{3,})\s*$",
    re.IGNORECASE,
)
_STREET_NUMBER = re.compile(
    r"\b[\wäöüß-]+(?:straße|strasse|str\.?|weg|gasse|platz|allee|ring|damm|street|road|lane)"
    r"\s+\d+[a-h]?\b",
    re.IGNORECASE,
)

_STREET = re.compile(
    r"\b([A-ZÄÖÜa-zäöüß][\wäöüß-]*(?:straße|strasse|str\.?|weg|gasse|platz|allee|ring|damm|"
    r"ufer|steig|berg|hof|anger|feld|street|road|lane|avenue)\s+\d+\s?[a-hA-H]?\b"
    r"(?:\s*,?\s*(?:in\s+)?[A-ZÄÖÜa-zäöüß][\wäöüß-]{2,})?)",
)


def street_address(u: Utterance) -> str | None:
    """A street and house number said in passing ('... in der Lindwurmstraße zwölf in
    München'), for a slot that was not asked yet."""
    said = digits(u.standard, u.language)
    m = _STREET.search(said)
    if m is None:
        return None
    found = m.group(1)
    tail = found.split()[-1].lower()
    if tail in _SMALL_WORDS or tail in ("und", "es", "da", "riecht", "ist", "hier"):
        found = " ".join(found.split()[:-1]).rstrip(" ,")
    sub = Utterance(found, normalize(found), None, 0.0, language=u.language, std=found)
    return place(sub)


_PLACE_WORD = re.compile(
    r"(straße|strasse|str|weg|gasse|platz|allee|ring|damm|ufer|hof|street|road|lane|avenue|"
    r"dorf|hausen|ing|ingen|heim|berg|feld|bach|brück|bruck|kirchen|stadt|au|see)$"
)


def _names_a_place(u: Utterance, tokens: list[str]) -> bool:
    """A place is named: a street or postcode, a place of the business's area, a word after
    "in"/"nach", a capitalised word, or a short answer. "Sorry, one second, the kids are
    yelling" names none."""
    said = " ".join(tokens)
    if re.search(r"\d", digits(said, u.language)):
        return True
    if len(tokens) <= 3:
        return True
    if any(_PLACE_WORD.search(normalize(t)) for t in tokens):
        return True
    if re.search(r"\b(?:in|im|nach|bei|at|in)\s+\S", u.standard, re.IGNORECASE):
        return True
    return any(t[:1].isupper() for t in tokens[1:])


# -- amounts of money ------------------------------------------------------------------------

_NUM = r"\d+(?:[.,]\d+)?"
_SCALE = r"(k|tausend|thousand|grand|tsd)"
_RANGE = re.compile(
    rf"(?:zwischen|von|between|from)?\s*({_NUM})\s*{_SCALE}?\s*"
    rf"(?:und|bis|-|–|to|and)\s*({_NUM})\s*{_SCALE}?",
    re.IGNORECASE,
)
_ONE = re.compile(rf"({_NUM})\s*{_SCALE}?", re.IGNORECASE)
_ABOUT = ("so um die", "um die", "circa", "ca", "zirka", "ungefähr", "etwa", "rund", "so",
          "about", "around", "roughly", "approximately", "some")  # fmt: skip
_AT_MOST = ("höchstens", "maximal", "max", "bis zu", "bis", "nicht mehr als", "unter", "at most",
            "up to", "no more than", "under", "below", "max")  # fmt: skip


def _value(number: str, scale: str | None) -> int:
    n = (
        float(number.replace(".", "").replace(",", "."))
        if "," in number
        else float(number.replace(".", ""))
    )
    if scale:
        n *= 1000
    return round(n)


#: A thousands separator between digit groups ("15.000", "15 000", "15'000", "12,500").
_THOUSANDS = re.compile(r"(?:(?<=\b\d)|(?<=\b\d\d)|(?<=\b\d{3}))[.,'’ ](?=\d{3}\b)")


def amount(u: Utterance) -> str | None:
    """A budget: '15000 Euro', 'ca. 15000 Euro', '5000 bis 8000 Euro', 'bis 10000 Euro';
    'offen' when the caller does not know yet. None when it is no amount at all."""
    if non_answer(u):
        return None
    grouped = _THOUSANDS.sub("", u.text)  # "15.000", "15 000", "15'000" -> "15000"
    norm = digits(normalize(grouped), u.language)
    currency = "Franken" if re.search(r"franken|chf", norm) and "euro" not in norm else "Euro"
    m = _RANGE.search(norm)
    if m:
        low, high = _value(m.group(1), m.group(2)), _value(m.group(3), m.group(4))
        if low < high and high >= 1000 and low < 1000 and low * 1000 <= high:
            low *= 1000  # "zwischen fünf und acht tausend"
        elif low < 100 and high < 100 and (m.group(4) or m.group(2)):
            low, high = low * 1000, high * 1000
        if low < high:
            return f"{low} bis {high} {currency}"
    numbers = [(_value(x.group(1), x.group(2)), x) for x in _ONE.finditer(norm)]
    numbers = [(n, x) for n, x in numbers if n >= 50]
    if numbers:
        n, x = numbers[-1]  # "fünf, nein zehntausend": the last one said
        before = norm[: x.start()]
        if any(
            before.endswith(f"{w} ") or (w != "bis" and f" {w} " in f" {before[-20:]}")
            for w in _AT_MOST
        ):
            return f"bis {n} {currency}"
        return f"{n} {currency}"  # "so um die ...": an amount is approximate anyway
    if means_unknown(u.norm, u.language):
        return "offen"
    return None


# -- urgency and free text -------------------------------------------------------------------


def free_text(u: Utterance, *, questions_ok: bool = False) -> str | None:
    """The answer to an open question ('Worum geht es?'), without fillers and intros;
    None for a question (unless ``questions_ok``), a pause, a greeting or a bare yes/no."""
    if not u.norm:
        return None
    if not questions_ok and non_answer(u):
        return None
    if is_pause(u.norm, u.language) or only_greeting(u.norm, u.language):
        return None
    tokens = _content(u, "text_intros", corrections=False)
    tokens = _strip_lead(tokens, u.language, "text_intros")
    rest = " ".join(_dedupe(tokens)).strip(_EDGE)
    if not normalize(rest) or normalize(rest) in word_tokens(u.language, "thanks"):
        return None
    return rest[:1].upper() + rest[1:] if rest[:1].islower() and len(rest) > 1 else rest


def urgency(u: Utterance) -> str | None:
    """How urgent: 'so bald wie möglich', 'im Frühjahr', 'hat keine Eile', 'no rush'
    (a "no" here is part of the answer)."""
    if not u.norm or non_answer(u) or is_pause(u.norm, u.language):
        return None
    tokens = _strip_lead(_tokens(u.standard), u.language, "yes", "greeting", "text_intros")
    rest = " ".join(_dedupe(_strip_tail(tokens, u.language))).strip(_EDGE)
    if not normalize(rest):
        return None
    text = digits(rest, u.language)
    return text[:1].upper() + text[1:]


def yes_only(u: Utterance) -> bool:
    """Nothing but yes/no, thanks and fillers."""
    rest = strip_words(u.norm, u.language, "yes", "no", "yes_phrases", "no_phrases",
                       "thanks", "fillers")  # fmt: skip
    return not rest


def beyond_yes(u: Utterance) -> bool:
    """The caller said more than yes/no ('ja, und das Budget wären zehntausend')."""
    return not yes_only(u) and not has_cue(u.norm, u.language, "closing")
