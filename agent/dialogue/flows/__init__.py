"""One flow per scenario; ``flow_for`` picks the flow that handles an intent."""

from __future__ import annotations

from agent.understanding.emergencies import detect

from ..context import FlowContext
from ..requests import privacy_kind
from ..utterance import Utterance
from .appointment import AppointmentFlow
from .appointment_change import CancelFlow, RescheduleFlow
from .base import Flow, SlotFlow, Step
from .emergency import EmergencyFlow
from .faq import FaqFlow
from .handover import HandoverFlow
from .lead import LeadFlow
from .message import MessageFlow, callback_topic, message_topic
from .order import OrderFlow
from .privacy import PrivacyFlow
from .scenario_off import ScenarioOffFlow

__all__ = [
    "AppointmentFlow",
    "CancelFlow",
    "EmergencyFlow",
    "FaqFlow",
    "Flow",
    "HandoverFlow",
    "LeadFlow",
    "MessageFlow",
    "OrderFlow",
    "PrivacyFlow",
    "RescheduleFlow",
    "ScenarioOffFlow",
    "SlotFlow",
    "Step",
    "flow_for",
]


# The requests an owner may switch off (business.routing.scenarios_off), by intent.
SCENARIOS = {
    "book_appointment": "appointment",
    "reschedule_appointment": "appointment",
    "cancel_appointment": "appointment",
    "request_quote": "lead",
    "place_order": "order",
    **dict.fromkeys(FaqFlow.intents, "faq"),
}


def flow_for(intent: str, ctx: FlowContext, u: Utterance | None) -> Flow | None:
    """A new flow for ``intent`` (``human_handover`` is the engine's, it needs the summary)."""
    scenario = SCENARIOS.get(intent)
    if scenario is not None and scenario in ctx.profile.routing.scenarios_off:
        return ScenarioOffFlow(ctx, scenario)
    if intent == "book_appointment":
        return AppointmentFlow(ctx)
    if intent == "reschedule_appointment":
        return RescheduleFlow(ctx)
    if intent == "cancel_appointment":
        return CancelFlow(ctx)
    if intent == "request_quote":
        return LeadFlow(ctx)
    if intent == "place_order":
        return OrderFlow(ctx)
    if intent in FaqFlow.intents:
        return FaqFlow(ctx)
    if intent == "emergency":
        found = detect(ctx.profile, u.reading, u.norm, ctx.lexicon()) if u else None
        return EmergencyFlow(ctx, found)
    if intent == "callback_request":
        return MessageFlow(ctx, "callback", topic=callback_topic(u))
    if intent == "privacy_request":
        return PrivacyFlow(ctx, privacy_kind(u) if u else None)
    if intent == "message_request":
        return MessageFlow(ctx, "message", reason="message", topic=message_topic(u))
    if intent == "complaint":
        return MessageFlow(ctx, "message", reason="complaint", topic=u.text if u else None)
    if intent == "job_application":
        return MessageFlow(ctx, "message", reason="job_application", topic=u.text if u else None)
    return None
