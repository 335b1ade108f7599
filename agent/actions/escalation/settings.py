"""The escalation's settings, its ticket, and what makes two calls "the same emergency"."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from agent.profile import OnCall, Person

from .model import Contact
from .state import Policy


@dataclass(frozen=True, slots=True)
class EscalationConfig:
    business_name: str
    timezone: ZoneInfo
    on_call: OnCall
    policy: Policy
    language: str = "de"
    join_window_s: float = 3 * 3600.0  # a later call about it joins a recent escalation
    #: An SMS gateway is configured: a caller who was not told on the line that the
    #: technician took it gets an SMS.
    caller_sms: bool = False

    @classmethod
    def from_on_call(
        cls,
        business_name: str,
        timezone: str,
        on_call: OnCall,
        language: str = "de",
        *,
        caller_sms: bool = False,
    ) -> EscalationConfig:
        policy = Policy(
            attempts_per_person=on_call.attempts_per_person,
            retry_after_s=float(on_call.retry_after_s),
            ring_timeout_s=on_call.ring_timeout_s,
        )
        return cls(
            business_name, ZoneInfo(timezone), on_call, policy, language, caller_sms=caller_sms
        )


@dataclass(frozen=True, slots=True)
class Ticket:
    escalation_id: uuid.UUID
    joined: bool  # True: another call had already started this escalation


def dedupe_key(kind: str, address: str, caller_number: str) -> str:
    """Same kind at the same address (or, without one, from the same number)."""
    where = re.sub(r"[^0-9a-zäöüß]", "", address.lower())
    if where:
        return f"{kind.lower()}|{where}"
    return f"{kind.lower()}|tel:{re.sub(r'[^0-9]', '', caller_number)}"


def contact(p: Person) -> Contact:
    return Contact(name=p.name, phone=p.phone, sms=p.sms, email=p.email)
