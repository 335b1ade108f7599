"""Answers from the business profile only: its facts first, then its address, opening
hours, services, area served, phone and e-mail. No match: no answer (never invented)."""

from __future__ import annotations

from agent.profile import BusinessProfile, Language

from ..cues import has_phrase
from ..datetime_speech import say_opening_hours
from ..say import say_list, say_phone

_BUILTIN: dict[str, tuple[str, ...]] = {
    "opening_hours": ("öffnungszeiten", "geöffnet", "offen", "aufhaben", "erreichbar",
                      "opening hours", "open"),
    "address": ("adresse", "anschrift", "wo finde", "wo sind", "address", "where are you",
                "located"),
    "services": ("leistungen", "was machen sie", "was bieten", "bieten sie", "machen sie auch",
                 "services", "what do you do", "do you offer", "do you do"),
    "area": ("einzugsgebiet", "gebiet", "umgebung", "kommen sie auch", "fahren sie auch",
             "area", "do you come to", "do you cover"),
    "phone": ("telefonnummer", "rufnummer", "phone number"),
    "email": ("e mail", "email", "mailadresse"),
}  # fmt: skip
_BUILTIN_TEXT: dict[str, tuple[str, str]] = {
    "opening_hours": ("Unsere Öffnungszeiten: {value}.", "Our opening hours: {value}."),
    "address": ("Unsere Adresse ist {value}.", "Our address is {value}."),
    "services": ("Wir bieten {value} an.", "We offer {value}."),
    "area": ("Wir sind für Sie da in {value}.", "We cover {value}."),
    "phone": ("Sie erreichen uns unter {value}.", "You can reach us on {value}."),
    "email": ("Unsere E-Mail-Adresse ist {value}.", "Our e-mail address is {value}."),
}


def keyword_hits(norm: str, keywords: list[str] | tuple[str, ...]) -> set[str]:
    """The keywords found in ``norm``; single words also as stems or in compounds
    ('kosten' ~ 'kostet', 'parkplatz' in 'kundenparkplatz')."""
    tokens = norm.split()
    hits = set()
    for kw in (k.lower() for k in keywords):
        if " " in kw.strip():
            if has_phrase(norm, kw):
                hits.add(kw)
            continue
        for t in tokens:
            if (
                t == kw
                or (len(kw) >= 5 and t.startswith(kw))
                or (len(kw) >= 6 and (t.startswith(kw[:-1]) or kw in t))
            ):
                hits.add(kw)
                break
    return hits


def _builtin_value(profile: BusinessProfile, topic: str, language: Language) -> str | None:
    if topic == "opening_hours":
        return say_opening_hours(profile, language)
    if topic == "address":
        return profile.address.one_line()
    if topic == "services":
        return say_list([s.name for s in profile.services], language, "and") or None
    if topic == "area":
        return profile.area_served
    if topic == "phone":
        return say_phone(profile.phone) if profile.phone else None
    if topic == "email":
        return profile.email
    return None


def _weight(hits: set[str]) -> int:
    """Longer keywords say more ('parken' beats 'wo')."""
    return sum(len(h) for h in hits)


def answers(profile: BusinessProfile, norm: str, language: Language) -> list[str]:
    """The profile's answers to the question in ``norm``: the best topic, and a second one
    when the question joins two ('Adresse und wo kann ich parken?')."""
    scored = []
    for n, fact in enumerate(profile.facts):
        hits = keyword_hits(norm, fact.keywords or [fact.topic])
        if hits:
            scored.append((_weight(hits), -n, hits, fact.answer.get(language)))
    if not scored:
        for n, (topic, words) in enumerate(_BUILTIN.items()):
            hits = keyword_hits(norm, words)
            value = _builtin_value(profile, topic, language) if hits else None
            if value:
                de, en = _BUILTIN_TEXT[topic]
                scored.append(
                    (len(hits), -n, hits, (de if language == "de" else en).format(value=value))
                )
    scored.sort(key=lambda s: (s[0], s[1]), reverse=True)
    if not scored:
        return []
    best = scored[0]
    out = [best[3]]
    joined = bool({"und", "and"} & set(norm.split()))
    for other in scored[1:2]:
        if joined and not (other[2] & best[2]):
            out.append(other[3])
    return out
