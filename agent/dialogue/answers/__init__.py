"""Answers from the business's own structured facts, and nothing else.

``answer(ctx, u)`` tries, in order: the truth about the assistant (a person? recorded?),
opening hours for the moment asked about, services (yes or "not on my list"), the area
served, prices of catalogue items, how long an appointment takes, and the profile's
facts; then the business's documents (``business.knowledge``), which also settle what
the profile is unsure of. Each answerer returns an :class:`Answer` only when the question is clearly
about its topic; when none is sure, there is no answer (the flows then say so, offer a
call back and keep the question word for word). No answer is ever invented.
"""

from __future__ import annotations

from dataclasses import replace

from ..context import FlowContext
from ..utterance import Utterance
from .about import about_assistant
from .area import about_area
from .catalogue_prices import about_item_price
from .durations import about_duration
from .facts import about_facts
from .hours import about_hours
from .knowledge import about_knowledge
from .result import Answer
from .services import about_services

__all__ = ["Answer", "answer"]

_ANSWERERS = (
    about_assistant,
    about_hours,
    about_area,
    about_services,
    about_item_price,
    about_duration,
    about_facts,
)


def answer(
    ctx: FlowContext,
    u: Utterance,
    *,
    appointment_type: str | None = None,
    asked: bool = False,
) -> Answer | None:
    """The answer to the question in ``u``; ``appointment_type`` is the one being booked
    ("wie lange dauert das?"); ``asked``: ``u`` answers "Was möchten Sie wissen?", so it
    is a question even without a question's form ("und bar geht auch")."""
    if asked and u.intent != "faq":
        u = replace(u, intent="faq")
    found = None
    for answerer in _ANSWERERS:
        found = answerer(ctx, u, appointment_type)
        if found is not None:
            break
    # the profile wins where it knows the answer (agent/dialogue/answers/knowledge.py)
    found = about_knowledge(ctx, u, appointment_type, instead_of=found) or found
    if found is not None:
        ctx.last_topic = found.topic
    return found
