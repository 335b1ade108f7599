"""Does the business do X? Yes when X is one of its services (by name, synonym or part
of a compound: "Trinkwasseranlagen", "bäder umbauen", "Abflüsse reinigen"); for anything
else that is asked as a service, "not on my list" and a call back."""

from __future__ import annotations

from agent.profile import Service

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


def about_services(ctx: FlowContext, u: Utterance, _type: str | None) -> Answer | None:
    if not asks_about_services(u):
        return None
    service = offered(ctx, u)
    if service is not None:
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
