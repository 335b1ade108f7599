"""One flow per scenario; ``flow_for`` picks the flow that handles an intent."""

from __future__ import annotations

from ..context import FlowContext
from ..utterance import Utterance
from .appointment import AppointmentFlow
from .appointment_change import CancelFlow, RescheduleFlow
from .base import Flow, SlotFlow, Step
from .emergency import EmergencyFlow, detect_emergency
from .faq import FaqFlow
from .handover import HandoverFlow
from .lead import LeadFlow
from .message import MessageFlow
from .order import OrderFlow

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
    "RescheduleFlow",
    "SlotFlow",
    "Step",
    "detect_emergency",
    "flow_for",
]


def flow_for(intent: str, ctx: FlowContext, u: Utterance | None) -> Flow | None:
    """A new flow for ``intent`` (``human_handover`` is the engine's, it needs the summary)."""
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
        return EmergencyFlow(ctx, detect_emergency(ctx.profile, u.norm) if u else None)
    if intent == "callback_request":
        return MessageFlow(ctx, "callback")
    return None
