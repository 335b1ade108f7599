"""Carry out the bookkeeping of an action: calendar entries and records.

Called by the flows when they decide, so they can tell the caller the outcome (a slot
taken in the meantime raises :class:`~agent.actions.calendar.SlotTaken`).
``Handover`` needs nothing stored here: the call controller transfers and logs it.
"""

from __future__ import annotations

import logging
from datetime import datetime

from agent.actions.calendar import Calendar
from agent.actions.records import Escalation, Lead, Message, Order, RecordStore, new_id
from agent.actions.slots import Slot

from .actions import (
    Action,
    BookAppointment,
    CallbackRequest,
    CancelAppointment,
    CreateLead,
    Handover,
    PlaceOrder,
    RescheduleAppointment,
    StartEscalation,
    TakeMessage,
)

log = logging.getLogger(__name__)


async def perform(
    action: Action,
    *,
    calendar: Calendar,
    records: RecordStore,
    now: datetime,
    call_id: str | None,
) -> str | None:
    """Do ``action``'s bookkeeping; return the id of what was written (if anything)."""
    match action:
        case BookAppointment():
            slot = Slot(action.start, action.end, action.appointment_type)
            appt = await calendar.book(
                slot, name=action.name, phone=action.phone, note=action.note, call_id=call_id
            )
            return appt.id
        case RescheduleAppointment():
            slot = Slot(action.start, action.end, action.appointment_type)
            return (await calendar.reschedule(action.appointment_id, slot)).id
        case CancelAppointment():
            return (await calendar.cancel(action.appointment_id)).id
        case CreateLead():
            lead = Lead(new_id(), now, action.need, action.location, action.budget,
                        action.urgency, action.name, action.phone, call_id)  # fmt: skip
            await records.add(lead)
            return lead.id
        case PlaceOrder():
            order = Order(new_id(), now, action.lines, action.name, action.phone, call_id=call_id)
            await records.add(order)
            return order.id
        case StartEscalation():
            esc = Escalation(new_id(), now, action.kind, action.caller_name,
                             action.caller_number, action.address, action.description,
                             call_id)  # fmt: skip
            await records.add(esc)
            return esc.id
        case TakeMessage():
            msg = Message(new_id(), now, "message", action.name, action.phone, action.text,
                          action.reason, action.due, call_id)  # fmt: skip
            await records.add(msg)
            return msg.id
        case CallbackRequest():
            msg = Message(new_id(), now, "callback", action.name, action.phone, action.topic,
                          action.reason, action.due, call_id)  # fmt: skip
            await records.add(msg)
            return msg.id
        case Handover():
            return None
