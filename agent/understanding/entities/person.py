"""The caller's name: "mein name ist …", "hier ist …", "ich bin (der|die) …",
"… am apparat", "… hier", "Frau/Herr (Doktor) …", English "my name is …".

Speech recognisers print names in lower case, so capital letters cannot be
relied on: a name is one to three words right after such a phrase that are not
common German/English words. The value is title-cased and keeps the form of
address when one was said ("Frau Müller").
"""

from __future__ import annotations

import re

from .entity import Entity, lower_same_length, make_entity, words

EXTRACTOR = "rufbereit.person"

_STOP = set(
    words("""
    der die das den dem des ein eine einen einem einer und oder aber auch noch nur mal so
    ja nein nee doch hallo guten tag morgen abend grüß gott servus moin ich du er sie es wir
    ihr mich mir mein meine meinen meiner dein ihre ihren sein unser bin bist ist sind war
    hier da dort von vom aus bei mit für wegen zu zum zur am im an in auf um gerade eben
    nicht kein keine wollte möchte würde hätte habe hab rufe rufen ruf an angerufen wegen
    dran leider bitte danke schön gern gerne also äh ähm öh hm ok okay gut genau
    firma praxis kanzlei büro betrieb kunde kundin patient patientin mieter mieterin
    vermieter hausmeister hausverwaltung verwaltung nachbar nachbarin eigentümer chef
    chefin mitarbeiter sekretariat zentrale notfall termin wasser heizung frage anruf
    sohn tochter mann frau herr herrn doktor dr professor prof familie
    krank neu zuhause unterwegs sicher nicht froh spät früh dringend wieder
    this is my the a an name speaking calling from about with i im i'm just
    wohnhaft wohne zwar nochmal jetzt heute morgen dann weil dass ob wie was wer wo
    alles etwas nichts niemand jemand keiner schon überall total ganz viel sehr echt
    wirklich gleich bald offen geschlossen besetzt frei möglich wichtig egal richtig
    falsch klar fertig passiert los irgendwas kaputt nass kalt warm dunkel undicht
    verstopft ausgefallen meinung ansicht auffassung urgent important regarding not
    really very calling speaking kann hat wird will muss soll hatte war macht sagt kommt
    braucht weiß wohnt liegt geht läuft and or but need want would like to for at on here
    there calling call please thanks thank it it's was am are have has had do does
    """)
)
#: Common first names; "ich bin …" / "this is …" only count when one of these follows.
FIRST_NAMES = set(
    words("""
    anna maria sophie sofia emma mia hannah hanna lena lea laura julia sarah sara lisa
    katharina christina kristina sabine petra monika andrea claudia susanne stefanie
    stephanie nicole birgit karin renate ursula helga ingrid gabriele brigitte barbara
    elisabeth heike silke anja tanja katja jana nina lara marie luisa clara klara johanna
    charlotte amelie greta ida paula emilia ella jessica melanie martina daniela sandra
    simone manuela kerstin doris jutta christa elke angelika gisela erika marion ulrike
    jan peter michael thomas andreas stefan stephan markus marcus christian martin klaus
    hans jürgen juergen wolfgang uwe frank dieter werner helmut günter gunter horst gerhard
    manfred bernd karl heinz josef sepp franz alexander max maximilian paul lukas lucas
    leon finn felix jonas elias noah ben luca david daniel tobias florian sebastian tim
    philipp matthias dominik patrick simon julian fabian benedikt moritz niklas nico kevin
    dennis marco mario sven jens lars dirk holger ralf rolf volker torsten thorsten oliver
    johannes georg ludwig anton emil otto kurt walter willi alois xaver hubert ahmet mehmet
    ali mustafa fatma ayse elif murat emre can yusuf ivan olga natalia anastasia piotr
    john james robert mary patricia jennifer linda elizabeth susan william richard joseph
    charles chris mike tom sam alex emily olivia jack harry george oliver
    """)
)
_TITLES = {"frau": "Frau", "herr": "Herr", "herrn": "Herr", "mr": "Mr", "mrs": "Mrs",
           "ms": "Ms", "miss": "Miss"}  # fmt: skip
_ACADEMIC = {"doktor": "Dr.", "dr": "Dr.", "professor": "Prof.", "prof": "Prof."}
_WORD = r"[^\W\d_][\w'-]*"
_NAME = (
    rf"(?P<name>(?:(?:frau|herrn?|mrs?|ms|miss)\.?\s+)?(?:(?:doktor|dr|professor|prof)\.?\s+)?"
    rf"{_WORD}(?:\s+(?:von\s+(?:der\s+)?|van\s+(?:der\s+)?|de\s+|zu\s+)?{_WORD}){{0,2}})"
)
_INTRO = [
    r"\bmein\s+(?:name|nachname|vorname)\s+(?:ist|lautet|wäre)\s+",
    r"\bich\s+hei(?:ße|sse|ss)\s+",
    r"\b(?:hier|da)\s+(?:ist|spricht)\s+(?:(?:der|die)\s+)?",
    r"\bich\s+bin\s+(?:der|die)\s+",
    r"\bich\s+bin\s+(?=frau\b|herr\b)",
    r"\bmy\s+name\s+is\s+",
    r"\b(?:this\s+is|i\s*'?\s*a?m)\s+(?=mrs?\b|ms\b|miss\b)",
    r"\b(?:name|nachname)\s*:\s*",
]
_INTRO_RE = re.compile("(?:" + "|".join(_INTRO) + ")" + _NAME)
#: Phrases that introduce a name only when a known first name follows.
_GATED_RE = re.compile(r"\b(?:ich\s+bin|this\s+is|i\s*'?\s*a?m|it\s*'?\s*s)\s+" + _NAME)
_GREETING = r"(?:ja|hallo|grüß gott|servus|moin|guten tag|guten morgen|tag|äh|also)\s*,?\s+"
_BEFORE_RE = re.compile(
    rf"(?:^|[,.!?]\s*)(?:{_GREETING})*{_NAME}\s*,?\s+(?:am\s+apparat|hier\b(?!\s+(?:ist|spricht)))"
)
#: A whole answer that is just a name starting with a known first name ("anna schmidt").
_WHOLE_RE = re.compile(rf"^\s*(?:(?:äh|ähm|also|ja)\s+)*{_NAME}\s*[.!]?\s*$")
_TITLE_RE = re.compile(
    r"(?<!\bmeine )(?<!\bmeiner )(?<!\bseine )(?<!\bseiner )(?<!\bihre )(?<!\bunsere )"
    r"(?<!\bdeine )(?<!\beine )(?<!\bjunge )(?<!\bältere )\b(?:frau|herrn?)\s+"
    + _NAME.replace("(?P<name>", "(?P<rest>", 1)
)


def _clean(words: list[str]) -> list[str]:
    """Keep leading title words, then name words until the first common word.

    After a form of address ("frau", "herrn doktor") only the surname is taken,
    unless a known first name comes first ("frau anna schmidt").
    """
    out: list[str] = []
    titled, names = False, 0
    for w in words:
        bare = w.rstrip(".")
        if bare in _TITLES or bare in _ACADEMIC:
            if names:
                break
            out.append(w)
            titled = True
            continue
        if out and names == 1 and bare in _PARTICLES:
            out.append(w)
            continue
        if out and out[-1].rstrip(".") in ("von", "van") and bare in ("der", "den", "dem"):
            out.append(w)
            continue
        if bare in _STOP or len(bare) < 2:
            break
        if titled and names and not (names == 1 and _first_word(out) in FIRST_NAMES):
            break
        out.append(w)
        names += 1
    while out and out[-1].rstrip(".") in (*_PARTICLES, "der", "den", "dem"):
        out.pop()
    return out if names else []


_PARTICLES = ("von", "van", "de", "zu")


def _first_word(words: list[str]) -> str:
    return next(w for w in words if w.rstrip(".") not in _TITLES and w.rstrip(".") not in _ACADEMIC)


def _title_case(words: list[str]) -> str:
    parts = []
    for w in words:
        bare = w.rstrip(".")
        if bare in _TITLES:
            parts.append(_TITLES[bare])
        elif bare in _ACADEMIC:
            parts.append(_ACADEMIC[bare])
        elif bare in (*_PARTICLES, "der", "den", "dem"):
            parts.append(bare)
        else:
            parts.append("-".join(p[:1].upper() + p[1:] for p in bare.split("-")))
    return " ".join(parts)


def _entity(text: str, lower: str, start: int, end: int, gated: bool) -> Entity | None:
    tokens = list(re.finditer(r"\S+", lower[start:end]))
    words = [t.group(0) for t in tokens]
    kept = _clean(words)
    if not kept or (gated and _first_word(kept) not in FIRST_NAMES):
        return None
    last = tokens[len(kept) - 1]
    real_end = start + last.end()
    return make_entity("person", _title_case(kept), text, start, real_end, EXTRACTOR)


def extract_persons(text: str, language: str = "de") -> list[Entity]:
    """Names of people in ``text``, most specific phrasing first, without overlaps.

    >>> [e.value for e in extract_persons("ja hallo hier ist die frau müller wegen dem termin")]
    ['Frau Müller']
    """
    lower = lower_same_length(text)
    found: list[Entity] = []
    for regex in (_INTRO_RE, _BEFORE_RE, _GATED_RE, _WHOLE_RE, _TITLE_RE):
        for m in regex.finditer(lower):
            group = "rest" if regex is _TITLE_RE else "name"
            start = m.start() if regex is _TITLE_RE else m.start(group)
            gated = regex is _GATED_RE or regex is _WHOLE_RE
            entity = _entity(text, lower, start, m.end(group), gated)
            if entity is None:
                continue
            if any(e.start < entity.end and entity.start < e.end for e in found):
                continue
            found.append(entity)
    return sorted(found, key=lambda e: e.start)
