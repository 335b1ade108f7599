"""Answers from the business's documents (``business.knowledge``), after the profile.

Asked only for a question, only in the documents' language, and said only when the
documents hold the answer (agent/knowledge/answer.py); otherwise there is no answer and
the flow offers a call back with the question kept word for word.
"""

from __future__ import annotations

import logging

from agent.knowledge.answer import ask
from agent.knowledge.index import current_index

from ..context import FlowContext
from ..utterance import Utterance
from .result import Answer, asking

log = logging.getLogger(__name__)


def about_knowledge(ctx: FlowContext, u: Utterance, appointment_type: str | None) -> Answer | None:
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
    found = ask(index, u.standard or u.text, min_confidence=settings.min_confidence)
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
