"""Answers from the business's documents (``business.knowledge``), after the profile.

Asked only for a question, only in the documents' language, and said only when the
documents hold the answer (agent/knowledge/answer.py); otherwise there is no answer and
the flow offers a call back with the question kept word for word.
"""

from __future__ import annotations

import logging

from agent.knowledge.answer import ask, holds_topic
from agent.knowledge.index import current_index

from ..context import FlowContext
from ..cues import without_greeting
from ..utterance import Utterance
from .result import Answer, asking

log = logging.getLogger(__name__)


def about_knowledge(
    ctx: FlowContext, u: Utterance, appointment_type: str | None, *, instead_of: Answer | None
) -> Answer | None:
    """The documents' answer; ``instead_of`` is the profile's, which wins unless it is
    unsure, or is one of its facts that misses a topic word the documents' answer has
    ("Wärmepumpenwartung" against the fact on call-out prices)."""
    settings = ctx.profile.knowledge
    if settings is None or not asking(u) or not u.text:
        return None
    language = settings.language or ctx.profile.language
    if ctx.language != language:
        return None
    try:
        index = current_index(settings.dir, language, settings.synonyms)
    except OSError as exc:  # the folder went away: no answer, the call goes on
        log.warning("knowledge folder unreadable", extra={"error": str(exc)})
        return None
    # "n Abend, wie lang dauert ...": the greeting is no topic
    question = without_greeting(u.standard or u.text, u.language)
    fact_topics = {f.topic for f in ctx.profile.facts}
    if instead_of is not None and not instead_of.unsure:
        if instead_of.topic not in fact_topics:
            return None  # hours, area, services, prices of articles: the profile knows
        if holds_topic(index, question, " ".join(instead_of.says)):
            return None
    found = ask(index, question, min_confidence=settings.min_confidence)
    log.info(
        "knowledge looked up",
        extra={
            "call_id": ctx.call_id,
            "answered": found.text is not None,
            "confidence": round(found.confidence, 2),
            "reason": found.reason,
            "source": found.sources[0].file if found.sources else None,
        },
    )
    if found.text is None:
        return None
    return Answer((found.text,), "knowledge")
