"""The one domain model: what a call leaves behind (records) and what the dialogue
decides to do (commands). The dialogue creates records and commands, the executor and
the stores carry them out and keep them, the escalation, the outbox and the exports read
them; none of them defines its own copy.
"""

from .commands import (
    BookAppointment,
    CancelAppointment,
    Command,
    Handover,
    RescheduleAppointment,
    Save,
    StartEscalation,
    command_json,
)
from .records import (
    Appointment,
    Emergency,
    Lead,
    Message,
    MessageKind,
    Order,
    OrderLine,
    PrivacyKind,
    PrivacyRequest,
    Record,
    new_id,
)

__all__ = [
    "Appointment",
    "BookAppointment",
    "CancelAppointment",
    "Command",
    "Emergency",
    "Handover",
    "Lead",
    "Message",
    "MessageKind",
    "Order",
    "OrderLine",
    "PrivacyKind",
    "PrivacyRequest",
    "Record",
    "RescheduleAppointment",
    "Save",
    "StartEscalation",
    "command_json",
    "new_id",
]
