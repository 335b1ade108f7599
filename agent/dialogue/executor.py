"""Carry out the bookkeeping of a command: calendar entries and records.

Called by the flows when they decide, so they can tell the caller the outcome (a slot
taken in the meantime raises :class:`~agent.actions.calendar.SlotTaken`).
``Handover`` needs nothing stored here: the call controller puts the call through and
logs it.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime
from typing import TypeVar

from agent.actions.calendar import Calendar
from agent.actions.records import RecordStore
from agent.actions.slots import Slot
from agent.domain import (
    BookAppointment,
    CancelAppointment,
    Command,
    Handover,
    RescheduleAppointment,
    Save,
    StartEscalation,
)
from agent.domain.records import Record

log = logging.getLogger(__name__)
R = TypeVar("R", bound=Record)


def stamped(record: R, now: datetime, call_id: str | None) -> R:
    """The record with the moment it was made and the call it came from."""
    return dataclasses.replace(record, created_at=record.created_at or now, call_id=call_id)


async def perform(
    command: Command,
    *,
    calendar: Calendar,
    records: RecordStore,
    now: datetime,
    call_id: str | None,
) -> tuple[Command, str | None]:
    """Do ``command``'s bookkeeping. Returns the command as carried out (its record
    stamped) and the id of what was written (if anything)."""
    match command:
        case BookAppointment():
            slot = Slot(command.start, command.end, command.appointment_type)
            appt = await calendar.book(
                slot, name=command.name, phone=command.phone, note=command.note, call_id=call_id
            )
            return command, appt.id
        case RescheduleAppointment():
            slot = Slot(command.start, command.end, command.appointment_type)
            return command, (await calendar.reschedule(command.appointment_id, slot)).id
        case CancelAppointment():
            return command, (await calendar.cancel(command.appointment_id)).id
        case Save():
            record = stamped(command.record, now, call_id)
            await records.add(record)
            return Save(record), record.id
        case StartEscalation():
            emergency = stamped(command.emergency, now, call_id)
            await records.add(emergency)
            return StartEscalation(emergency), emergency.id
        case Handover():
            return command, None
