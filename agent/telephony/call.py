"""What a conversation sees of a call, and what it hands back."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from agent.profile import Language
from agent.telephony.call_stream import CallStream
from agent.telephony.media import MediaSession


class CallOutcome(StrEnum):
    """How a call ended, as stored in ``calls.outcome``."""

    COMPLETED = "completed"  # the assistant finished and hung up
    HANDOVER = "handover"  # passed to a person (warm transfer, or the dialplan's fallback)
    #: an office phone that listened took the call over (agent/telephony/listen_in.py)
    TAKEN_OVER = "taken_over"
    CALLBACK = "callback"  # to be put through, but nobody took it: a call back is arranged
    CALLER_HANGUP = "caller_hangup"  # the caller hung up first
    FALLBACK = "fallback"  # the assistant failed; the dialplan's fallback took the call
    FAILED = "failed"  # could not even hand the call on (the channel was gone)


@dataclass(frozen=True, slots=True)
class CallInfo:
    call_id: uuid.UUID
    channel_id: str
    caller_number: str
    called_number: str
    language: Language
    started_at: datetime


@dataclass(slots=True)
class CallContext:
    """Handed to the conversation: the call's facts, its media, and the call's event
    stream (publish what happens: agent/domain/call_events.py)."""

    info: CallInfo
    media: MediaSession
    events: CallStream
    metrics: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ConversationResult:
    outcome: CallOutcome  # COMPLETED (hang up) or HANDOVER (to a person)
    summary: str | None = None  # for the person the call is handed to
    #: True: the dialogue decided to put the caller through, and knows why: the office
    #: hears the summary first (warm transfer). False: straight to the dialplan.
    warm: bool = False
    reason: str | None = None  # asked, upset, no_match, emergency, ...
    caller_name: str | None = None
    transcript: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LiveCall:
    """A call the assistant is talking in, as an office phone that listens to it and may
    take it over sees it (agent/telephony/listen_in.py)."""

    call_id: uuid.UUID
    channel_id: str  # the caller's
    bridge_id: str  # the caller's bridge with the assistant's media
    since: float  # monotonic time the call reached the app
    events: CallStream


class Conversation(Protocol):
    """Runs the talking part of one call. Cancelled when the caller hangs up."""

    async def run(self, call: CallContext) -> ConversationResult: ...
