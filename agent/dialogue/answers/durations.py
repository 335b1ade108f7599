"""How long an appointment takes: from the appointment type's length. Only for a type
named by its own name (a Heizungswartung), or the one being booked ("wie lange dauert
das?"); never for work that is only a synonym (how long a whole Badsanierung takes is
not in the profile)."""

from __future__ import annotations

from agent.actions.slots import appointment_types

from ..context import FlowContext
from ..utterance import Utterance
from .result import Answer, asking
from .words import mentions, object_words


def about_duration(ctx: FlowContext, u: Utterance, booking: str | None) -> Answer | None:
    if not (u.has("duration") and asking(u)):
        return None
    kinds = appointment_types(ctx.profile)
    named = [t for t in kinds if mentions(u, [t.name, t.say(ctx.language)])]
    if not named and booking is not None and len(object_words(u)) <= 1:
        named = [t for t in kinds if t.name == booking]
    if len(named) != 1:
        return None
    t = named[0]
    return Answer(
        (ctx.say("duration", kind=t.say(ctx.language), minutes=t.duration_min),), "duration"
    )
