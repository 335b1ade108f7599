"""Calls put back together from their CDR legs, and classified.

One inbound call leaves several records: one per phone of a ring group, one per Local
channel half (FreePBX ring groups and queues), one more after a transfer, one for the
assistant's Stasis app and one for the person it hands over to. They are tied together by

- ``linkedid`` (cdr_pgsql, FreePBX's table, the cdr_custom template), or CEL's map of
  uniqueid -> linkedid, else the caller channel's ``uniqueid`` (cdr_csv);
- a Local channel's two halves: the record of ``Local/x@ctx-0001;2`` belongs with the
  record whose ``dstchannel`` is ``Local/x@ctx-0001;1``.

Each inbound call counts once, for whoever answered it first: a person, or the assistant
(a call the assistant hands to a person counts for the assistant; a call a person
transfers counts for the person). Voicemail and announcements are not answers. Internal
calls, outbound calls and the assistant's own calls (escalations, warm transfers) are
told apart and left out of the figures.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal

from .cdr import CdrRecord

Direction = Literal["inbound", "internal", "outbound", "system"]
Outcome = Literal["person", "assistant", "missed"]
MissedReason = Literal["no_answer", "busy", "abandoned", "voicemail", "failed"]

# Channels through which the assistant hears the caller (externalMedia's technologies).
ASSISTANT_MEDIA = ("WebSocket/", "AudioSocket/", "UnicastRTP/")
VOICEMAIL_APPS = frozenset({"voicemail", "vm", "minivm", "minivmrecord"})
# Applications that ring somebody: their records say who was rung and for how long.
RINGING_APPS = frozenset({"dial", "queue", "retrydial", "followme", "page"})
_SLACK = timedelta(seconds=2)
#: cdr_pgsql's and FreePBX's lastdata column is varchar(80): a longer dial string is cut
CUT_LASTDATA = 80
_PHONE_NUMBER = re.compile(r"\+?\d{6,}")
ANONYMOUS = frozenset({"", "anonymous", "unknown", "restricted", "private", "unavailable"})


@dataclass(frozen=True, slots=True)
class CallRules:
    """What the records cannot say for themselves."""

    #: a number of the business's own phones (extensions); others are outside numbers
    internal: re.Pattern[str] = field(default_factory=lambda: re.compile(r"^\d{2,5}$"))
    #: the assistant's Stasis application (``ari.app``)
    assistant_app: str = "rufbereit"
    #: a call from the same number within this time after another is a repeat
    repeat_window: timedelta = timedelta(hours=1)

    def is_internal(self, number: str) -> bool:
        return bool(self.internal.fullmatch(number.strip()))


@dataclass(frozen=True, slots=True)
class Call:
    """One call, from all its records."""

    key: str
    direction: Direction
    caller: str  # "" when withheld
    dialled: str
    started_at: datetime
    ended_at: datetime
    outcome: Outcome | None = None  # inbound calls only
    missed_reason: MissedReason | None = None
    answered_at: datetime | None = None
    handed_over: bool = False  # the assistant answered, then a person took over
    repeated: bool = False
    records: tuple[CdrRecord, ...] = ()

    @property
    def answered(self) -> bool:
        return self.outcome in ("person", "assistant")


def rebuild_calls(
    records: Iterable[CdrRecord],
    rules: CallRules | None = None,
    links: dict[str, str] | None = None,
) -> list[Call]:
    """Every call in the records, oldest first. ``links``: CEL's uniqueid -> linkedid."""
    rules = rules or CallRules()
    calls = [_classify(key, group, rules) for key, group in _groups(list(records), links or {})]
    calls.sort(key=lambda c: (c.started_at, c.key))
    return _mark_repeats(calls, rules.repeat_window)


def _groups(
    records: list[CdrRecord], links: dict[str, str]
) -> Iterable[tuple[str, list[CdrRecord]]]:
    parent = list(range(len(records)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        a, b = find(i), find(j)
        if a != b:
            parent[max(a, b)] = min(a, b)

    first_by_key: dict[str, int] = {}
    reached: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(records):
        for key in {r.linkedid or links.get(r.uniqueid, ""), r.uniqueid} - {""}:
            union(i, first_by_key.setdefault(key, i))
        if r.dstchannel.startswith("Local/") and r.dstchannel.endswith(";1"):
            reached[r.dstchannel[:-2]].append(i)
        elif r.dstchannel.startswith(ASSISTANT_MEDIA):
            reached[r.dstchannel].append(i)
    for i, r in enumerate(records):
        # A Local channel's ;2 half belongs with the record that dialled its ;1 half; the
        # assistant's media channel (its own record in Stasis) with the caller it served.
        if _is_local_half(r.channel) and r.channel.endswith(";2"):
            name = r.channel[:-2]
        elif r.channel.startswith(ASSISTANT_MEDIA):
            name = r.channel
        else:
            continue
        # Channel names start again from 0 when Asterisk restarts: only the record whose
        # time spans this one's start is its partner.
        for j in reached.get(name, ()):
            other = records[j]
            if other.start - _SLACK <= r.start <= other.end + _SLACK:
                union(i, j)
                break
    members: dict[int, list[CdrRecord]] = defaultdict(list)
    for i, r in enumerate(records):
        members[find(i)].append(r)
    for group in members.values():
        group.sort(key=_order)
        yield group[0].linkedid or group[0].uniqueid or group[0].channel, group


def _order(r: CdrRecord) -> tuple[datetime, bool, int]:
    """Oldest first; at the same second the caller's own record before a Local half or
    the assistant's media channel, which are created by it."""
    helper = _is_local_half(r.channel) or r.channel.startswith(ASSISTANT_MEDIA)
    return (r.start, helper, r.sequence if r.sequence is not None else 0)


def _is_local_half(channel: str) -> bool:
    return channel.startswith("Local/") and channel[-2:] in (";1", ";2")


def _stasis_arg(r: CdrRecord, app: str) -> str | None:
    """The first argument of the assistant's Stasis() ("inbound" for callers), or None."""
    if r.lastapp.lower() != "stasis":
        return None
    parts = [p.strip() for p in r.lastdata.split(",")]
    if parts[0] != app:
        return None
    return parts[1] if len(parts) > 1 else ""


def _classify(key: str, group: list[CdrRecord], rules: CallRules) -> Call:
    origin = group[0]
    caller = "" if origin.src.strip().lower() in ANONYMOUS else origin.src.strip()
    common = {
        "key": key,
        "caller": caller,
        "dialled": origin.dst,
        "started_at": origin.start,
        "ended_at": max(r.end for r in group),
        "records": tuple(group),
    }
    stasis = [a for r in group if (a := _stasis_arg(r, rules.assistant_app)) is not None]
    if stasis and "inbound" not in stasis:
        return Call(direction="system", **common)  # type: ignore[arg-type]
    if caller and rules.is_internal(caller):
        # Outbound means to a phone number; feature codes (*97) and extensions are internal.
        outside = bool(_PHONE_NUMBER.fullmatch(origin.dst)) and not rules.is_internal(origin.dst)
        direction: Direction = "outbound" if outside else "internal"
        return Call(direction=direction, **common)  # type: ignore[arg-type]
    outcome, answered_at, handed_over, reason = _outcome(group, rules)
    return Call(
        direction="inbound",
        outcome=outcome,
        answered_at=answered_at,
        handed_over=handed_over,
        missed_reason=reason,
        **common,  # type: ignore[arg-type]
    )


Answerer = Literal["person", "assistant", "voicemail"]


def _answerer(r: CdrRecord, group: Sequence[CdrRecord], rules: CallRules) -> Answerer | None:
    """Who took the call in this record, if anybody did."""
    app = r.lastapp.lower()
    if _stasis_arg(r, rules.assistant_app) is not None or r.dstchannel.startswith(ASSISTANT_MEDIA):
        return "assistant" if r.answered else None
    if app in VOICEMAIL_APPS:
        return "voicemail"
    if not r.answered or not r.dstchannel:
        return None  # rang in vain, or an announcement / IVR answered: nobody took it
    if r.dstchannel.endswith(";1") and r.dstchannel.startswith("Local/"):
        # Whatever answered the Local channel's other half answered the call.
        inner = r.dstchannel[:-1] + "2"
        found = [a for x in group if x.channel == inner and (a := _answerer(x, group, rules))]
        return found[0] if found else "person"
    return "person"


def _outcome(
    group: list[CdrRecord], rules: CallRules
) -> tuple[Outcome, datetime | None, bool, MissedReason | None]:
    # The caller's own channel (party A) is what gets answered; other channels' records in
    # the group (a consultation call before an attended transfer, a Local half) are not.
    front = [r for r in group if r.channel == group[0].channel]
    answers: list[tuple[datetime, Answerer]] = []
    for r in front:
        who = _answerer(r, group, rules)
        if who is not None:
            answers.append((r.answer or r.start, who))
    answers.sort(key=lambda a: a[0])
    taken = [(at, who) for at, who in answers if who != "voicemail"]
    if taken:
        at, who = taken[0]
        handed = who == "assistant" and any(w == "person" and t >= at for t, w in taken)
        return who, at, handed, None
    if any(who == "voicemail" for _, who in answers):
        return "missed", None, False, "voicemail"
    return "missed", None, False, _why_missed(front)


def _why_missed(front: list[CdrRecord]) -> MissedReason:
    rung = [r for r in front if r.lastapp.lower() in RINGING_APPS]
    if not rung:
        return "no_answer"
    last_end = max(r.end for r in rung)
    last = [r for r in rung if r.end == last_end]
    dispositions = {r.disposition for r in last}
    if "NO ANSWER" in dispositions:
        timeout = _ring_timeout(last[0])
        if timeout is None and len(last[0].lastdata) >= CUT_LASTDATA:
            return "no_answer"  # a dial string cut by its column: the timeout is unknown
        if timeout is None or max(r.duration for r in last) < timeout:
            return "abandoned"  # the caller hung up before the phones stopped ringing
        return "no_answer"
    if "BUSY" in dispositions:
        return "busy"
    return "failed"


def _ring_timeout(r: CdrRecord) -> int | None:
    """Dial(targets,timeout,…) / Queue(name,options,URL,announce,timeout): seconds, or
    None when there is none (the phones ring until the caller gives up)."""
    args = [a.strip() for a in r.lastdata.split(",")]
    position = 4 if r.lastapp.lower() == "queue" else 1
    if len(args) > position and args[position].isdigit():
        return int(args[position])
    return None


def _mark_repeats(calls: list[Call], window: timedelta) -> list[Call]:
    last_seen: dict[str, datetime] = {}
    out: list[Call] = []
    for call in calls:
        if call.direction != "inbound" or not call.caller:
            out.append(call)
            continue
        previous = last_seen.get(call.caller)
        last_seen[call.caller] = call.started_at
        if previous is not None and call.started_at - previous <= window:
            call = replace(call, repeated=True)
        out.append(call)
    return out
