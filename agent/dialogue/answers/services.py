"""Does the business do X? Yes when X is one of its services (by name, synonym or part
of a compound: "Trinkwasseranlagen", "bäder umbauen", "Abflüsse reinigen"); for anything
else that is asked as a service, "not on my list" and a call back."""

from __future__ import annotations

from agent.profile import Service
from agent.understanding.meaning import fold

from ..context import FlowContext
from ..cues import strip_words
from ..utterance import Utterance
from .result import Answer, asking
from .words import mentions, object_words


def _terms(service: Service) -> list[str]:
    return [service.name, *service.synonyms]


def offered(ctx: FlowContext, u: Utterance) -> Service | None:
    best: tuple[int, Service] | None = None
    for s in ctx.profile.services:
        hit = mentions(u, _terms(s))
        if hit and (best is None or hit > best[0]):
            best = (hit, s)
    return best[1] if best else None


#: Topics of their own: a question about them is not a question about the services.
_OTHER_TOPICS = ("emergency_service", "price", "payment", "parking", "address", "hours",
                 "duration", "recording", "bot", "area", "job")  # fmt: skip


#: Words of a question about the services in general ("welche Leistungen bieten Sie an?").
_GENERAL = frozenset(
    "welche welcher welches leistungen leistung dienstleistungen alles angebot angeboten "
    "sachen arbeiten bereiche bereich genau überhaupt uberhaupt sonst eigentlich frage "
    "what which services service kind kinds sort sorts things everything all jobs else".split()
)


def asks_about_services(u: Utterance) -> bool:
    return asking(u) and u.has("services") and not u.reading.any(_OTHER_TOPICS)


_WHICH = ("welche", "welcher", "welches", "welchen", "was für", "wie", "which", "what")


def _asks_which(u: Utterance, service: Service) -> bool:
    """A question about something of the service (a brand, a model, a way), not whether
    the business does it."""
    if not any(f"{u.norm} ".startswith(f"{w} ") for w in _WHICH):
        return False
    terms = {fold(w) for t in _terms(service) for w in t.split()}
    rest = [
        w for w in object_words(u)
        if w not in _GENERAL and not any(w.startswith(t[:5]) or t.startswith(w[:5]) for t in terms)
    ]  # fmt: skip
    return bool(rest)


def about_services(ctx: FlowContext, u: Utterance, _type: str | None) -> Answer | None:
    if not asks_about_services(u):
        return None
    service = offered(ctx, u)
    if service is not None:
        if _asks_which(u, service):
            return None  # "welche Marke von Wärmepumpen ...?": not whether we do it
        return Answer((ctx.say("service_yes", service=service.name),), "services")
    rest = [w for w in object_words(u) if w not in _GENERAL]
    if not rest or strip_words(u.norm, u.language, "fillers") in ("", "auch"):
        names = [s.name for s in ctx.profile.services]
        return Answer((ctx.say("service_list", services=_list(ctx, names)),), "services")
    names = [s.name for s in ctx.profile.services]
    return Answer(
        (ctx.say("service_unknown", services=_list(ctx, names)),), "services", unsure=True
    )


def _list(ctx: FlowContext, names: list[str]) -> str:
    from ..say import say_list

    return say_list(names, ctx.language, "and")
