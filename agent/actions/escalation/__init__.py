"""The on-call escalation (issue 5, scenario 5): rota, state machine, store, timers,
the call to the technician, notifications. Start with :class:`EscalationService`."""

from .finish import EscalationEnd, FinishListener
from .notify import Notification, Notifier, RecordingNotifier
from .rota import call_order, on_call_now
from .scheduler import EscalationScheduler
from .service import EscalationService
from .settings import EscalationConfig, Ticket
from .state import Outcome, Policy, State
from .store import EscalationStore

__all__ = [
    "EscalationConfig",
    "EscalationEnd",
    "EscalationScheduler",
    "EscalationService",
    "EscalationStore",
    "FinishListener",
    "Notification",
    "Notifier",
    "Outcome",
    "Policy",
    "RecordingNotifier",
    "State",
    "Ticket",
    "call_order",
    "on_call_now",
]
