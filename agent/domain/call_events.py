"""What happens in a call, as small typed events.

Every event of a call goes on that call's stream (agent/telephony/call_stream.py), which
the call log (database, or its disk spool), the call statistics and, later, the console
and the report read. Each event has a ``kind`` (the ``call_events.kind`` column, also
read by tests and exports) and its ``data()`` (the ``data`` column). Who publishes:
the call controller (answered, media, transfer, sent on, error), the listen-in (an
office phone listening, taking over), the voice conversation (what was said and heard,
keys, barge-in, actions, escalation) and the greeting.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class CallEvent:
    kind: ClassVar[str] = ""
    #: kept in ``call_events`` (the call's end is kept in ``calls`` instead)
    stored: ClassVar[bool] = True

    def data(self) -> dict[str, Any]:
        """The stored form: every field; a field that is None is left out unless the
        event keeps it (``keep_none``)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        return {k: v for k, v in out.items() if v is not None or k in self.keep_none}

    keep_none: ClassVar[frozenset[str]] = frozenset()


# -- the line -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Answered(CallEvent):
    kind: ClassVar[str] = "answered"
    ms: int


@dataclass(frozen=True, slots=True)
class MediaConnected(CallEvent):
    kind: ClassVar[str] = "media_connected"
    transport: str
    ms: int


@dataclass(frozen=True, slots=True)
class CallFailed(CallEvent):
    """The conversation failed; the caller goes to people."""

    kind: ClassVar[str] = "error"
    error: str
    detail: str


# -- the conversation -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GreetingStarted(CallEvent):
    kind: ClassVar[str] = "greeting_started"
    ms: int


@dataclass(frozen=True, slots=True)
class GreetingDone(CallEvent):
    kind: ClassVar[str] = "greeting_done"
    ms: int


@dataclass(frozen=True, slots=True)
class CallerSaid(CallEvent):
    kind: ClassVar[str] = "caller_said"
    text: str
    model: str
    stt_ms: int
    end_of_turn_ms: int
    early: bool


@dataclass(frozen=True, slots=True)
class AssistantSaid(CallEvent):
    kind: ClassVar[str] = "assistant_said"
    text: str
    ms: int


@dataclass(frozen=True, slots=True)
class ReplyAudio(CallEvent):
    """The first audio of a reply went out: the caller waited ``turn_ms``."""

    kind: ClassVar[str] = "reply_audio"
    turn_ms: int
    tts_ms: int | None = None  # the voice's time from the reply's text to its first audio


@dataclass(frozen=True, slots=True)
class BargedIn(CallEvent):
    kind: ClassVar[str] = "barge_in"
    keep_none: ClassVar[frozenset[str]] = frozenset({"echo_loss_db"})
    ms: int
    detect_ms: int
    echo_loss_db: int | None


@dataclass(frozen=True, slots=True)
class CallerKey(CallEvent):
    kind: ClassVar[str] = "caller_key"
    digit: str


@dataclass(frozen=True, slots=True)
class ActionTaken(CallEvent):
    """The dialogue did something: ``type`` names the command (BookAppointment, ...); a
    saved record names its kind in ``record`` (lead, order, message, callback, privacy)."""

    kind: ClassVar[str] = "action"
    type: str
    record: str | None = None


@dataclass(frozen=True, slots=True)
class CallerRated(CallEvent):
    """The caller rated the call with a key: 1 (poor) to 5 (very good)."""

    kind: ClassVar[str] = "caller_rating"
    rating: int


@dataclass(frozen=True, slots=True)
class EscalationEnded(CallEvent):
    kind: ClassVar[str] = "escalation_end"
    acknowledged: bool
    told: bool


# -- to people ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TransferStarted(CallEvent):
    kind: ClassVar[str] = "transfer_started"
    keep_none: ClassVar[frozenset[str]] = frozenset({"reason"})
    reason: str | None


@dataclass(frozen=True, slots=True)
class TransferTaken(CallEvent):
    kind: ClassVar[str] = "transfer_taken"
    keep_none: ClassVar[frozenset[str]] = frozenset({"summary"})
    summary: str | None


@dataclass(frozen=True, slots=True)
class TransferNotTaken(CallEvent):
    """Nobody took the call (``summary``), or the caller hung up while the office rang
    (``reason``)."""

    kind: ClassVar[str] = "transfer_not_taken"
    summary: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class HandedOver(CallEvent):
    """The caller went on in the dialplan to people, as the dialogue decided."""

    kind: ClassVar[str] = "handover"
    summary: str | None = None


@dataclass(frozen=True, slots=True)
class FellBack(CallEvent):
    """The caller went on in the dialplan to people because the assistant could not go on
    (an error, the agent stopping)."""

    kind: ClassVar[str] = "fallback"
    summary: str | None = None


# -- the office listening (parallel operation, agent/telephony/listen_in.py) --------------


@dataclass(frozen=True, slots=True)
class ListenStarted(CallEvent):
    """An office phone listens to the call: ``phone`` its endpoint (PJSIP/201), ``name``
    the name the PBX gives it (its caller ID name; empty when it has none)."""

    kind: ClassVar[str] = "listen_started"
    phone: str
    name: str


@dataclass(frozen=True, slots=True)
class ListenEnded(CallEvent):
    """The phone stopped listening: ``reason`` hung_up (the office hung up), next (it
    went on to another call), taken_over, call_ended, failed, stopped (the agent)."""

    kind: ClassVar[str] = "listen_ended"
    phone: str
    reason: str


@dataclass(frozen=True, slots=True)
class TakenOver(CallEvent):
    """The listening phone took the call: the caller talks with that person now and the
    assistant has left (outcome ``taken_over``)."""

    kind: ClassVar[str] = "taken_over"
    phone: str
    name: str


@dataclass(frozen=True, slots=True)
class CallClosed(CallEvent):
    """The call is over (the last event of every call); kept in ``calls``."""

    kind: ClassVar[str] = "ended"
    stored: ClassVar[bool] = False
    outcome: str
    cause: str | None = None
