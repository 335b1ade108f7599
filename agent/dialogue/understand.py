"""Turning what the caller said into an :class:`Utterance`: dialect standardised, the
NLU backend's intent (below the threshold or ``out_of_scope``: none), the rule-based
entities resolved with the business's hours, the concepts, and the yes/no cue."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from agent.profile import WEEKDAYS, BusinessProfile
from agent.understanding.entities import ENTITY_KINDS, extract_entities
from agent.understanding.nlu import NluBackend, NluError, Parse
from agent.understanding.standardize import standardize

from .context import FlowContext
from .cues import normalize, without_greeting, yes_no
from .utterance import Utterance

log = logging.getLogger(__name__)


def hours_hint(profile: BusinessProfile) -> Callable[[datetime], bool]:
    """``is_open(local_dt)`` for the time rules: inside any day's opening hours (so 'halb
    drei' is 14:30 on any day, also one the business is closed)."""

    def is_open(dt: datetime) -> bool:
        hours = profile.opening_hours
        return any(s.contains(dt.time()) for d in WEEKDAYS for s in hours.spans(d))

    return is_open


async def understand(nlu: NluBackend, ctx: FlowContext, text: str, threshold: float) -> Utterance:
    now = ctx.now()
    lang = ctx.language
    std = standardize(text.strip(), lang)
    parse: Parse | None = None
    try:
        # the greeting says nothing about the request and only confuses a classifier
        parse = await nlu.parse(without_greeting(std, lang), language=lang, now=now)
    except NluError as exc:
        log.warning("NLU failed; rules only", extra={"call_id": ctx.call_id, "error": str(exc)})
    entities = extract_entities(std, lang, now, hours_hint(ctx.profile), timezone=ctx.profile.tz)
    extra = [e for e in parse.entities if e.entity not in ENTITY_KINDS] if parse else []
    intent, confidence = (parse.intent.name, parse.intent.confidence) if parse else (None, 0.0)
    if intent == "out_of_scope" or confidence < threshold:
        intent = None
    norm = normalize(std)
    yes = yes_no(norm, lang)
    if yes is None and intent in ("affirm", "deny") and confidence >= 0.8:
        yes = intent == "affirm"
    reading = ctx.lexicon().read(std)
    log.info(
        "caller turn understood",
        extra={
            "call_id": ctx.call_id,
            "intent": intent,
            "confidence": round(confidence, 3),
            "entities": sorted({e.entity for e in entities}),
            "concepts": sorted(reading.hits),
            "yes": yes,
        },
    )
    return Utterance(
        text.strip(), norm, intent, confidence, (*entities, *extra), yes,
        language=lang, reading=reading, std=std,
    )  # fmt: skip
