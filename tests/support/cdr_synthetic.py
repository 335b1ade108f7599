"""A synthetic Asterisk ``cdr_csv`` Master.csv: three months of a 15-person firm, with the truth.

Müller Sanitär (plumbing and heating, Munich, Europe/Berlin) is open Mon–Thu 07:30–17:00
and Fri 07:30–14:00. Its Asterisk 22 writes one CDR per Party A / Party B pair, as the
Asterisk 12+ CDR specification says, and :func:`generate` writes the same shapes:

- the main number ``0891234567`` rings the office as a ring group,
  ``Dial(PJSIP/101&PJSIP/102&PJSIP/103,20)``: one record per phone, all with the caller
  channel's uniqueid; the phone that answered is ``ANSWERED``, the others ``NO ANSWER``
  (a phone that is offline ``FAILED``, one on another call ``BUSY``); after the timeout
  the caller gets a new record for ``VoiceMail(100@default,u)`` (``ANSWERED``, no
  dstchannel: a mailbox, not a person);
- the service line ``0891234568`` rings through Local channels as FreePBX does,
  ``Dial(Local/101@from-internal/n&...,25)``: the caller's records name the ``;1`` halves
  as dstchannel, and each ``;2`` half writes a record of its own (its own uniqueid, the
  caller's linkedid) for dialling the phone; no mailbox: the timeout is ``no_answer``;
- direct numbers ``089123456<ext>`` ring one phone (``BUSY`` when it is on a call) and
  go to the person's mailbox when they have one;
- a person who answered may blind-transfer the caller: a further record of the caller's
  channel with the new extension as dst;
- from ``assistant_from`` on, the main and the service line go to the assistant after
  the ring timeout (at once outside opening hours), through the shipped dialplan
  (``dialplan/extensions_rufbereit.conf``): lastapp ``Stasis``, lastdata
  ``rufbereit,inbound,<DID>``, dstchannel the media channel (``WebSocket/...``,
  ``AudioSocket/...`` or ``UnicastRTP/...``), ``ANSWERED``; a call handed over gets one
  more record per phone dialled from ``rufbereit-fallback``. There, as in real Asterisk,
  the caller's channel is already up, so Asterisk stamps ``answer`` at the start of
  those records even when the phones do not answer (``NO ANSWER`` with billsec > 0).
  The same holds for the record after a blind transfer. One afternoon the assistant is
  down: ``Stasis()`` returns at once and the fallback rings the office;
- internal calls (extension to extension, and ``*97`` for the mailbox) and outbound calls
  (extension to an outside number through ``PJSIP/telekom``), among them call-backs to
  missed callers.

Asterisk writes a call's records when its Party A channel hangs up, in the order they were
created, so the rows are ordered by that hang-up time. Times are local (``usegmtime=no``);
an unanswered record's answer column is empty and, as cdr_csv writes it, unquoted.
Asterisk restarts twice a quarter (03:12 on the 24th and 59th day), which starts channel
names and uniqueid counters again from 0.

Truth per inbound call (:class:`TruthCall`): ``outcome`` is who answered first — a person,
the assistant (also when it handed the call to a person) or nobody (``missed``); a person's
transfer stays ``person``. ``missed_reason``: ``voicemail`` (the caller reached a mailbox),
``busy`` (the phone was busy and there was no mailbox), ``abandoned`` (the caller hung up
while it rang), ``no_answer`` (it rang out and there was no mailbox). ``repeated``: the
same number (not withheld) called within the hour before.

Run ``python -m tests.support.cdr_synthetic --days 91 --out Master.csv`` for a file and
the truth totals as JSON.
"""

from __future__ import annotations

import argparse
import functools
import heapq
import json
import math
import random
import sys
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from agent.analysis.cdr import CSV_COLUMNS

# cdr_csv's columns, in its order: the same list the analyser reads by
COLUMNS = CSV_COLUMNS
LINKED_COLUMNS = ("linkedid", "sequence")
DISPOSITIONS = frozenset({"ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION"})
UNQUOTED = frozenset({COLUMNS.index("duration"), COLUMNS.index("billsec")})
_ANSWER_COL = COLUMNS.index("answer")

MAIN_DID = "0891234567"
SERVICE_DID = "0891234568"
DIRECT_BASE = "089123456"
TRUNK = "telekom"
ON_CALL_MOBILE = "01715550123"
MAIN_MAILBOX = "100@default"
RING_TIMEOUT = 20
ASSISTANT_RING_TIMEOUT = 15
SERVICE_TIMEOUT = 25
FALLBACK_TIMEOUT = 25

_FIRST = "Anna Jürgen Sabine Thomas Petra Stefan Monika Andreas Claudia Michael Katrin Markus Birgit Florian Sandra Tobias Julia Matthias Eva Sebastian Lena Christian Heike Maximilian".split()  # noqa: E501
_LAST = "Müller Huber Wagner Bauer Schmid Weiß Hofmann Gruber Fischer Maier Schäfer Keller Brandl Lechner Kraus Winkler Pichler Moser Berger Wimmer".split()  # noqa: E501
_FIRMS = (
    "Hausverwaltung Berger",
    "Bäckerei Schmid",
    "Immobilien Lechner GmbH",
    "WEG Sonnenstraße 12",
    "Autohaus Kraus",
    "Gasthof zur Post",
    "Zahnarztpraxis Dr. Weiß",
    "Kita Regenbogen",
    "Fam. Hofmann",
    "Metzgerei Wimmer",
    "Hotel Isartor",
    "Stadtwerke Freising",
)
_MOBILE = (
    "0151 0152 0157 0159 0160 0162 0163 0170 0171 0172 0173 0174 0175 0176 0177 0178 0179".split()
)
_AREAS = "089 089 089 089 08131 08141 08161 08092 08104 08106 08121 08122 08171 08024".split()


@dataclass(frozen=True)
class TruthCall:
    uniqueid: str  # the caller channel's uniqueid (the key shared by the call's records)
    caller: str  # src as written ("" for anonymous)
    started_at: datetime  # aware, Europe/Berlin
    kind: str  # "inbound" | "internal" | "outbound"
    outcome: str | None  # inbound only: "person" | "assistant" | "missed"
    missed_reason: str | None  # "no_answer" | "busy" | "abandoned" | "voicemail" | None
    repeated: bool  # inbound only: the same number called (any outcome) within the hour before


@dataclass(frozen=True)
class SyntheticCdr:
    rows: list[list[str]]  # the CSV rows in the order Asterisk writes them (by end time)
    truth: list[TruthCall]

    def csv_text(self) -> str:
        """The file as cdr_csv writes it: every field quoted but duration and billsec."""
        lines = []
        for row in self.rows:
            cells = []
            for i, value in enumerate(row):
                if i in UNQUOTED or (i == _ANSWER_COL and value == ""):
                    cells.append(value)
                else:
                    cells.append('"' + value.replace('"', '""') + '"')
            lines.append(",".join(cells) + "\n")
        return "".join(lines)

    def write(self, path: Path) -> None:
        Path(path).write_bytes(self.csv_text().encode("utf-8"))

    def totals(self) -> dict[str, object]:
        """Truth counts: inbound, person, assistant, missed, by reason, repeated, ..."""
        kinds = Counter(t.kind for t in self.truth)
        inbound = [t for t in self.truth if t.kind == "inbound"]
        outcomes = Counter(t.outcome for t in inbound)
        reasons = Counter(t.missed_reason for t in inbound if t.outcome == "missed")
        return {
            "inbound": kinds["inbound"],
            "person": outcomes["person"],
            "assistant": outcomes["assistant"],
            "missed": outcomes["missed"],
            "missed_by_reason": {
                r: reasons[r] for r in ("no_answer", "busy", "abandoned", "voicemail")
            },
            "repeated": sum(t.repeated for t in inbound),
            "internal": kinds["internal"],
            "outbound": kinds["outbound"],
            "rows": len(self.rows),
        }


# --- channels and records, named and numbered once all calls are placed ------------------


@dataclass(eq=False)
class _Chan:
    kind: str  # "pjsip" | "local" | "media"
    base: str  # "PJSIP/telekom", "Local/101@from-internal", or a media channel's full name
    created: float
    order: int
    name: str = ""
    uid: str = ""
    uid2: str = ""  # a Local channel's ;2 half

    def leg(self, half: int = 0) -> str:
        return f"{self.name};{half}" if self.kind == "local" else self.name

    def uniqueid(self, half: int = 0) -> str:
        return self.uid2 if half == 2 else self.uid


@dataclass(eq=False)
class _Rec:
    chain: int
    a: _Chan
    a_half: int
    b: _Chan | None
    b_half: int
    src: str
    dst: str
    dcontext: str
    clid: str
    lastapp: str
    lastdata: str
    start: float
    answer: float | None
    end: float
    disposition: str
    linked: _Chan
    order: int
    seq: int = 0


@dataclass(frozen=True)
class _Caller:
    src: str
    clid: str
    regular: bool

    @property
    def number(self) -> str:
        return "" if self.src in ("", "anonymous") else self.src


@dataclass
class _Ctx:
    """What the moment of a call means for its course."""

    opening: bool  # within opening hours
    staffed: float  # chance a person answers the main line
    assistant: bool
    outage: bool
    offline: frozenset[str]


@dataclass
class _Pbx:
    rng: random.Random
    chans: list[_Chan] = field(default_factory=list)
    recs: list[_Rec] = field(default_factory=list)
    chains: int = 0

    def pjsip(self, endpoint: str, t: float) -> _Chan:
        return self._chan("pjsip", f"PJSIP/{endpoint}", t)

    def local(self, exten: str, t: float) -> _Chan:
        return self._chan("local", f"Local/{exten}@from-internal", t)

    def media(self, t: float) -> _Chan:
        r = self.rng.random()
        ptr = f"0x7f{self.rng.getrandbits(40):010x}"
        if r < 0.7:
            name = f"WebSocket/INCOMING/{ptr}"
        elif r < 0.9:
            name = (
                f"AudioSocket/127.0.0.1:9092-{uuid.UUID(int=self.rng.getrandbits(128), version=4)}"
            )
        else:
            name = f"UnicastRTP/127.0.0.1:{10000 + 2 * self.rng.randrange(500)}-{ptr}"
        return self._chan("media", name, t)

    def _chan(self, kind: str, base: str, t: float) -> _Chan:
        chan = _Chan(kind, base, t, len(self.chans))
        self.chans.append(chan)
        return chan

    def chain(self) -> int:
        self.chains += 1
        return self.chains

    def rec(
        self,
        chain: int,
        a: _Chan,
        b: _Chan | None,
        *,
        src: str,
        dst: str,
        dcontext: str,
        clid: str,
        lastapp: str,
        lastdata: str,
        start: float,
        answer: float | None,
        end: float,
        disposition: str,
        linked: _Chan,
        a_half: int = 0,
        b_half: int = 0,
    ) -> _Rec:
        rec = _Rec(
            chain=chain,
            a=a,
            a_half=a_half,
            b=b,
            b_half=b_half,
            src=src,
            dst=dst,
            dcontext=dcontext,
            clid=clid,
            lastapp=lastapp,
            lastdata=lastdata,
            start=start,
            answer=answer,
            end=end,
            disposition=disposition,
            linked=linked,
            order=len(self.recs),
        )
        self.recs.append(rec)
        return rec


@dataclass
class _Leg:
    """Who is calling, on which channel, into which chain of records."""

    chain: int
    chan: _Chan
    src: str
    clid: str
    linked: _Chan
    up: bool = False  # the caller's channel is answered already (answer = record start)


@dataclass(frozen=True)
class _Event:
    """A call still to place: drawn for the day, a caller trying again, a call-back."""

    kind: str  # "inbound" | "repeat" | "callback" | "outbound" | "internal"
    offline: frozenset[str] = frozenset()  # phones unplugged that day
    caller: _Caller | None = None
    number: str = ""
    depth: int = 0  # how many times this caller has tried again


@dataclass(frozen=True)
class _Ring:
    result: str  # "answer" | "abandon" | "timeout" | "busy"
    stop: float  # when the Dial ended for everyone but the winner
    winner: int | None = None


class _Model:
    def __init__(self, rng: random.Random, tz: ZoneInfo, people: int) -> None:
        if people < 6:
            raise ValueError("people must be at least 6 (office, technicians, the boss)")
        self.rng = rng
        self.tz = tz
        self.pbx = _Pbx(rng)
        self.exts = [str(101 + i) for i in range(people)]
        self.office = self.exts[:3]
        self.service = [self.exts[0], self.exts[3], self.exts[4]]
        self.boss = self.exts[-1]
        self.direct = [self.boss, *self.exts[3 : min(7, people - 1)]]
        self.mailboxes = {self.boss, self.exts[3], self.exts[4]}
        names = [f"{rng.choice(_FIRST)} {rng.choice(_LAST)}" for _ in self.exts]
        self.names = dict(zip(self.exts, names, strict=True))
        self.regulars = [self._new_caller(regular=True) for _ in range(400)]
        self.reg_weights = [1.0 / (i + 1) ** 0.6 for i in range(len(self.regulars))]
        self.truth: list[tuple[_Chan, _Caller | str, float, str, str | None, str | None]] = []

    # -- callers --------------------------------------------------------------------------

    def _number(self) -> str:
        rng = self.rng
        r = rng.random()
        if r < 0.45:
            num = rng.choice(_MOBILE) + str(rng.randrange(10**6, 10**8))
        elif r < 0.98:
            area = rng.choice(_AREAS)
            digits = 7 if area == "089" else rng.choice((5, 6))
            num = area + str(rng.randrange(2 * 10 ** (digits - 1), 10**digits))
        else:
            return "+43" + str(rng.randrange(6 * 10**9, 7 * 10**9))
        return "+49" + num[1:] if rng.random() < 0.15 else num

    def _new_caller(self, regular: bool) -> _Caller:
        rng = self.rng
        if not regular and rng.random() < 0.06:
            if rng.random() < 0.5:
                return _Caller("", "", False)
            return _Caller("anonymous", '"Anonymous" <anonymous>', False)
        num = self._number()
        r = rng.random()
        if regular and r < 0.35:
            name = rng.choice(_FIRMS) if rng.random() < 0.6 else rng.choice(_LAST)
            clid = f'"{name}" <{num}>'
        elif r < 0.75:
            clid = num
        else:
            clid = f'"{num}" <{num}>'
        return _Caller(num, clid, regular)

    def caller(self) -> _Caller:
        if self.rng.random() < 0.45:
            return self.rng.choices(self.regulars, self.reg_weights)[0]
        return self._new_caller(regular=False)

    # -- building blocks ------------------------------------------------------------------

    def _talk(self, median: float, lo: float, hi: float) -> float:
        x = self.rng.lognormvariate(math.log(median), 0.75)
        return min(hi, max(lo, x)) + self.rng.random()

    def _ring(
        self,
        leg: _Leg,
        *,
        targets: Sequence[tuple[str, str]],  # ("pjsip"|"local"|"trunk", ext or number)
        dst: str,
        dcontext: str,
        lastdata: str,
        first_start: float,
        t_dial: float,
        timeout: float,
        p_answer: float,
        p_abandon: float,
        offline: frozenset[str] = frozenset(),
        busy: frozenset[str] = frozenset(),
    ) -> tuple[_Ring, list[_Rec]]:
        """One Dial(): the records of the caller, one per target, and the ;2 halves'.

        The winner's records end when the Dial ends; the caller sets their real end
        (:meth:`_set_end`)."""
        rng = self.rng
        ringing = [i for i, (_, t) in enumerate(targets) if t not in offline and t not in busy]
        roll = rng.random()
        if ringing and roll < p_answer:
            winner: int | None = rng.choice(ringing)
            result = "answer"
            stop = t_dial + rng.triangular(2.0, timeout - 0.5, 6.0)
        elif not ringing:
            winner, result = None, "busy"
            stop = t_dial + rng.uniform(0.3, 1.2)
        elif roll < p_answer + (1.0 - p_answer) * p_abandon:
            winner, result = None, "abandon"
            stop = t_dial + rng.triangular(1.0, timeout - 0.3, 5.0)
        else:
            winner, result = None, "timeout"
            stop = t_dial + timeout + rng.uniform(0.0, 0.05)
        pbx = self.pbx
        recs: list[_Rec] = []
        for i, (tech, target) in enumerate(targets):
            t_b = t_dial + 0.004 * i + rng.uniform(0.0005, 0.003)  # in the order dialled
            if i == winner:
                disp, ans, rec_end = "ANSWERED", stop, stop
            elif target in offline:
                disp, ans, rec_end = "FAILED", None, t_dial + rng.uniform(0.0, 0.04)
            elif target in busy:
                disp, ans, rec_end = "BUSY", None, min(stop, t_dial + rng.uniform(0.2, 0.9))
            else:
                disp, ans, rec_end = "NO ANSWER", None, stop
            if tech == "local":
                b = pbx.local(target, t_b)
            elif tech == "trunk":
                b = pbx.pjsip(TRUNK, t_b)
            else:
                b = pbx.pjsip(target, t_b)
            start = first_start if i == 0 else t_dial
            answer = start if leg.up else ans
            recs.append(
                pbx.rec(
                    leg.chain,
                    leg.chan,
                    b,
                    a_half=2 if leg.chan.kind == "local" else 0,
                    b_half=1,
                    src=leg.src,
                    dst=dst,
                    dcontext=dcontext,
                    clid=leg.clid,
                    lastapp="Dial",
                    lastdata=lastdata,
                    start=start,
                    answer=answer,
                    end=rec_end,
                    disposition=disp,
                    linked=leg.linked,
                )
            )
            if tech == "local":  # the ;2 half dials the phone: a record (and chain) of its own
                t_2 = t_b + rng.uniform(0.0002, 0.001)
                phone = pbx.pjsip(target, t_2 + 0.0005)
                half = pbx.rec(
                    pbx.chain(),
                    b,
                    phone,
                    a_half=2,
                    src=leg.src,
                    dst=target,
                    dcontext="from-internal",
                    clid=leg.clid,
                    lastapp="Dial",
                    lastdata=f"PJSIP/{target},,tr",
                    start=t_2,
                    answer=ans,
                    end=rec_end if disp != "FAILED" else t_2 + rng.uniform(0.0, 0.03),
                    disposition=disp,
                    linked=leg.linked,
                )
                recs.append(half)
        return _Ring(result, stop, winner), recs

    def _voicemail(
        self, leg: _Leg, t: float, dst: str, dcontext: str, box: str, flag: str
    ) -> float:
        rng = self.rng
        ans = t + rng.uniform(0.05, 0.4)
        if rng.random() < 0.3:
            end = ans + rng.uniform(1.5, 11.0)  # hangs up during the greeting
        else:
            end = ans + rng.uniform(9.0, 14.0) + self._talk(22.0, 3.0, 150.0)
        self.pbx.rec(
            leg.chain,
            leg.chan,
            None,
            src=leg.src,
            dst=dst,
            dcontext=dcontext,
            clid=leg.clid,
            lastapp="VoiceMail",
            lastdata=f"{box},{flag}",
            start=t,
            answer=t if leg.up else ans,
            end=end,
            disposition="ANSWERED",
            linked=leg.linked,
        )
        return end

    def _transfer(self, leg: _Leg, t: float) -> float:
        """A blind transfer by the person who answered: the caller dials another extension."""
        rng = self.rng
        target = rng.choice([e for e in self.exts if e not in self.office])
        ring, recs = self._ring(
            leg,
            targets=[("pjsip", target)],
            dst=target,
            dcontext="from-internal",
            lastdata=f"PJSIP/{target},20",
            first_start=t,
            t_dial=t + rng.uniform(0.05, 0.3),
            timeout=20,
            p_answer=0.7,
            p_abandon=0.5,
        )
        if ring.result == "answer":
            end = ring.stop + self._talk(120.0, 10.0, 1500.0)
            self._set_end(recs, end)
            return end
        if ring.result == "timeout" and target in self.mailboxes:
            return self._voicemail(
                leg, ring.stop, target, "from-internal", f"{target}@default", "u"
            )
        return ring.stop

    def _stasis(self, leg: _Leg, t: float, did: str, opening: bool) -> float:
        """The assistant answers; some calls it hands over to the office or the on-call mobile."""
        rng = self.rng
        ans = t + rng.uniform(0.4, 1.6)
        media = self.pbx.media(ans - rng.uniform(0.05, 0.3))
        handover = False
        r = rng.random()
        if r < 0.1:
            end = ans + rng.uniform(2.0, 10.0)  # hangs up on hearing a machine
        elif r < 0.22:
            handover = True
            end = ans + self._talk(60.0, 20.0, 240.0)
        else:
            end = ans + self._talk(95.0, 15.0, 900.0)
        self.pbx.rec(
            leg.chain,
            leg.chan,
            media,
            src=leg.src,
            dst="s",
            dcontext="rufbereit",
            clid=leg.clid,
            lastapp="Stasis",
            lastdata=f"rufbereit,inbound,{did}",
            start=t,
            answer=ans,
            end=end,
            disposition="ANSWERED",
            linked=leg.linked,
        )
        if not handover:
            return end
        leg.up = True
        t = end + rng.uniform(0.01, 0.2)
        if opening:
            targets = [("pjsip", e) for e in self.office]
            lastdata = "&".join(f"PJSIP/{e}" for e in self.office) + f",{FALLBACK_TIMEOUT}"
        else:
            targets = [("trunk", ON_CALL_MOBILE)]
            lastdata = f"PJSIP/{ON_CALL_MOBILE}@{TRUNK},{FALLBACK_TIMEOUT}"
        return self._fallback(leg, t, targets, lastdata, p_answer=0.65)

    def _fallback(
        self,
        leg: _Leg,
        t: float,
        targets: Sequence[tuple[str, str]],
        lastdata: str,
        p_answer: float,
        offline: frozenset[str] = frozenset(),
    ) -> float:
        rng = self.rng
        ring, recs = self._ring(
            leg,
            targets=targets,
            dst="s",
            dcontext="rufbereit-fallback",
            lastdata=lastdata,
            first_start=t,
            t_dial=t + rng.uniform(0.01, 0.1),
            timeout=FALLBACK_TIMEOUT,
            p_answer=p_answer,
            p_abandon=0.25,
            offline=offline,
        )
        if ring.result == "answer":
            end = ring.stop + self._talk(110.0, 10.0, 1200.0)
            self._set_end(recs, end)
            return end
        if ring.result == "abandon":
            return ring.stop
        return self._voicemail(leg, ring.stop, "s", "rufbereit-fallback", MAIN_MAILBOX, "u")

    # -- calls ----------------------------------------------------------------------------

    def inbound(self, t0: float, caller: _Caller, ctx: _Ctx) -> str:
        """One inbound call; returns its outcome ("person", "assistant", "missed")."""
        rng, pbx = self.rng, self.pbx
        trunk = pbx.pjsip(TRUNK, t0)
        leg = _Leg(pbx.chain(), trunk, caller.src, caller.clid, trunk)
        r = rng.random()
        route = "main" if r < 0.72 else "service" if r < 0.85 else "direct"
        t_dial = t0 + rng.uniform(0.02, 0.6)
        outcome, reason = "missed", None
        if route in ("main", "service"):
            did = MAIN_DID if route == "main" else SERVICE_DID
            if ctx.assistant and not ctx.opening and not ctx.outage:
                self._stasis(leg, t0, did, opening=False)
                outcome = "assistant"
            else:
                if route == "main":
                    # with the assistant behind it, the office rings for a shorter time
                    timeout = ASSISTANT_RING_TIMEOUT if ctx.assistant else RING_TIMEOUT
                    targets = [("pjsip", e) for e in self.office]
                    lastdata = "&".join(f"PJSIP/{e}" for e in self.office) + f",{timeout}"
                    p = ctx.staffed
                else:
                    targets = [("local", e) for e in self.service]
                    lastdata = (
                        "&".join(f"Local/{e}@from-internal/n" for e in self.service)
                        + f",{SERVICE_TIMEOUT},tr"
                    )
                    timeout, p = SERVICE_TIMEOUT, ctx.staffed * 0.85
                busy = frozenset(e for _, e in targets if ctx.opening and rng.random() < 0.07) - {
                    e for _, e in targets if e in ctx.offline
                }
                ring, recs = self._ring(
                    leg,
                    targets=targets,
                    dst=did,
                    dcontext="from-trunk",
                    lastdata=lastdata,
                    first_start=t0,
                    t_dial=t_dial,
                    timeout=timeout,
                    p_answer=p,
                    p_abandon=(0.3 if ctx.assistant else 0.45) if ctx.opening else 0.35,
                    offline=ctx.offline,
                    busy=busy,
                )
                if ring.result == "answer":
                    outcome = "person"
                    talk_end = ring.stop + self._talk(140.0, 6.0, 1800.0)
                    if route == "main" and rng.random() < 0.08:
                        t_x = ring.stop + self._talk(35.0, 5.0, 200.0)
                        self._set_end(recs, t_x)
                        leg.up = True
                        self._transfer(leg, t_x + rng.uniform(0.05, 0.4))
                    else:
                        self._set_end(recs, talk_end)
                elif ring.result == "abandon":
                    reason = "abandoned"
                elif ctx.assistant and not ctx.outage:
                    self._stasis(leg, ring.stop + rng.uniform(0.01, 0.2), did, ctx.opening)
                    outcome = "assistant"
                elif ctx.assistant:  # the assistant is down: Stasis() returns, fallback rings
                    self._fallback(
                        leg,
                        ring.stop + rng.uniform(0.01, 0.2),
                        [("pjsip", e) for e in self.office],
                        "&".join(f"PJSIP/{e}" for e in self.office) + f",{FALLBACK_TIMEOUT}",
                        p_answer=ctx.staffed * 0.6,
                        offline=ctx.offline,
                    )
                    outcome, reason = self._fallback_outcome(leg)
                elif route == "main":
                    self._voicemail(
                        leg,
                        ring.stop + rng.uniform(0.01, 0.1),
                        did,
                        "from-trunk",
                        MAIN_MAILBOX,
                        "u",
                    )
                    reason = "voicemail"
                else:
                    reason = "busy" if ring.result == "busy" else "no_answer"
        else:
            ext = rng.choice(self.direct)
            did = DIRECT_BASE + ext
            is_busy = ctx.opening and rng.random() < 0.16
            ring, recs = self._ring(
                leg,
                targets=[("pjsip", ext)],
                dst=did,
                dcontext="from-trunk",
                lastdata=f"PJSIP/{ext},{RING_TIMEOUT}",
                first_start=t0,
                t_dial=t_dial,
                timeout=RING_TIMEOUT,
                p_answer=0.62 if ctx.opening else min(0.1, ctx.staffed),
                p_abandon=0.35,
                busy=frozenset({ext}) if is_busy else frozenset(),
            )
            if ring.result == "answer":
                outcome = "person"
                t_end = ring.stop + self._talk(150.0, 6.0, 1800.0)
                if rng.random() < 0.05:
                    self._set_end(recs, t_end)
                    leg.up = True
                    self._transfer(leg, t_end + rng.uniform(0.05, 0.4))
                else:
                    self._set_end(recs, t_end)
            elif ring.result == "abandon":
                reason = "abandoned"
            elif ext in self.mailboxes:
                flag = "b" if ring.result == "busy" else "u"
                self._voicemail(
                    leg,
                    ring.stop + rng.uniform(0.01, 0.1),
                    did,
                    "from-trunk",
                    f"{ext}@default",
                    flag,
                )
                reason = "voicemail"
            else:
                reason = "busy" if ring.result == "busy" else "no_answer"
        self.truth.append((trunk, caller, t0, "inbound", outcome, reason))
        return outcome

    def _fallback_outcome(self, leg: _Leg) -> tuple[str, str | None]:
        recs = [r for r in self.pbx.recs if r.chain == leg.chain]
        if any(r.lastapp == "Dial" and r.disposition == "ANSWERED" for r in recs):
            return "person", None
        if recs[-1].lastapp == "VoiceMail":
            return "missed", "voicemail"
        return "missed", "abandoned"

    @staticmethod
    def _set_end(recs: list[_Rec], end: float) -> None:
        """The answered records (the caller's and a ;2 half's) end with the conversation."""
        for rec in recs:
            if rec.disposition == "ANSWERED":
                rec.end = end

    def internal(self, t0: float) -> None:
        rng, pbx = self.rng, self.pbx
        a = rng.choice(self.exts)
        phone = pbx.pjsip(a, t0)
        clid = f'"{self.names[a]}" <{a}>'
        leg = _Leg(pbx.chain(), phone, a, clid, phone)
        if rng.random() < 0.06:
            ans = t0 + rng.uniform(0.05, 0.3)
            pbx.rec(
                leg.chain,
                phone,
                None,
                src=a,
                dst="*97",
                dcontext="from-internal",
                clid=clid,
                lastapp="VoiceMailMain",
                lastdata=f"{a}@default",
                start=t0,
                answer=ans,
                end=ans + self._talk(25.0, 4.0, 180.0),
                disposition="ANSWERED",
                linked=phone,
            )
        else:
            b = rng.choice([e for e in self.exts if e != a])
            ring, recs = self._ring(
                leg,
                targets=[("pjsip", b)],
                dst=b,
                dcontext="from-internal",
                lastdata=f"PJSIP/{b},20",
                first_start=t0,
                t_dial=t0 + rng.uniform(0.01, 0.1),
                timeout=20,
                p_answer=0.72,
                p_abandon=0.6,
                busy=frozenset({b}) if rng.random() < 0.06 else frozenset(),
            )
            if ring.result == "answer":
                self._set_end(recs, ring.stop + self._talk(50.0, 3.0, 900.0))
            elif ring.result == "timeout" and b in self.mailboxes:
                self._voicemail(leg, ring.stop, b, "from-internal", f"{b}@default", "u")
        self.truth.append((phone, a, t0, "internal", None, None))

    def outbound(self, t0: float, number: str | None = None, ext: str | None = None) -> None:
        rng, pbx = self.rng, self.pbx
        a = ext or rng.choice(self.exts)
        if number is None:
            number = self.caller().number if rng.random() < 0.5 else self._number()
            number = number or self._number()
        dialled = "0" + number[3:] if number.startswith("+49") else number
        dialled = "00" + dialled[1:] if dialled.startswith("+") else dialled
        phone = pbx.pjsip(a, t0)
        clid = f'"{self.names[a]}" <{a}>'
        leg = _Leg(pbx.chain(), phone, a, clid, phone)
        t_dial = t0 + rng.uniform(0.01, 0.15)
        r = rng.random()
        if r < 0.04:  # the trunk refuses: CONGESTION (cdr.conf congestion=yes) or FAILED
            trunk = pbx.pjsip(TRUNK, t_dial + 0.01)
            pbx.rec(
                leg.chain,
                phone,
                trunk,
                src=a,
                dst=dialled,
                dcontext="from-internal",
                clid=clid,
                lastapp="Dial",
                lastdata=f"PJSIP/{dialled}@{TRUNK},90",
                start=t0,
                answer=None,
                end=t_dial + rng.uniform(0.05, 2.5),
                disposition="CONGESTION" if r < 0.025 else "FAILED",
                linked=phone,
            )
        else:
            ring, recs = self._ring(
                leg,
                targets=[("trunk", dialled)],
                dst=dialled,
                dcontext="from-internal",
                lastdata=f"PJSIP/{dialled}@{TRUNK},90",
                first_start=t0,
                t_dial=t_dial,
                timeout=45,
                p_answer=0.7,
                p_abandon=0.7,
                busy=frozenset({dialled}) if rng.random() < 0.07 else frozenset(),
            )
            if ring.result == "answer":
                self._set_end(recs, ring.stop + self._talk(110.0, 4.0, 1800.0))
        self.truth.append((phone, a, t0, "outbound", None, None))


# --- time: opening hours, holidays, traffic shape ------------------------------------------


def _easter(year: int) -> date:
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return date(year, month, day + 1)


@functools.lru_cache(maxsize=16)
def holidays(year: int) -> frozenset[date]:
    """Public holidays in Bavaria (where the 089 firm is)."""
    e = _easter(year)
    fixed = [(1, 1), (1, 6), (5, 1), (8, 15), (10, 3), (11, 1), (12, 25), (12, 26)]
    moving = [e - timedelta(days=2), e + timedelta(days=1), e + timedelta(days=39)]
    moving += [e + timedelta(days=50), e + timedelta(days=60)]
    return frozenset([date(year, m, d) for m, d in fixed] + moving)


def opening_hours(day: date) -> tuple[float, float] | None:
    """Opening hours as decimal hours, None when closed."""
    if day in holidays(day.year) or day.weekday() >= 5:
        return None
    return (7.5, 14.0) if day.weekday() == 4 else (7.5, 17.0)


_INBOUND_HOURS = [
    0.05, 0.04, 0.03, 0.03, 0.04, 0.1, 0.35, 1.1,
    3.4, 3.6, 3.0, 2.5, 1.6, 3.0, 2.9, 2.3,
    1.9, 0.9, 0.55, 0.4, 0.25, 0.18, 0.12, 0.08,
]  # fmt: skip
_CLOSED_HOURS = [
    0.05, 0.03, 0.02, 0.02, 0.02, 0.04, 0.1, 0.25,
    0.5, 0.8, 0.9, 0.9, 0.8, 0.7, 0.7, 0.7,
    0.7, 0.6, 0.55, 0.5, 0.4, 0.3, 0.2, 0.1,
]  # fmt: skip
_DAY_WEIGHT = [1.3, 1.1, 1.0, 1.0, 0.8, 0.15, 0.07]


def _slot_weights(day: date, kind: str) -> list[float]:
    """Weights of the day's 48 half hours for a kind of call."""
    hours = opening_hours(day)
    weights = []
    for slot in range(48):
        h = slot / 2
        if kind == "inbound":
            if hours is None:
                w = _CLOSED_HOURS[int(h)]
            else:
                w = _INBOUND_HOURS[int(h)]
                if h == 7.0:
                    w = 0.5
                if hours[1] == 14.0 and h >= 14.0:
                    w = min(w, 0.8 * 0.7 ** (h - 14.0))
        else:
            if hours is None:
                w = 0.02 if 8 <= h < 16 else 0.0
            elif hours[0] - 0.5 <= h < hours[1] + 0.5:
                w = 1.0 + (0.6 if 7.5 <= h < 9 or 13 <= h < 15 else 0.0)
                w *= 0.5 if 12 <= h < 13 or h >= hours[1] or h < hours[0] else 1.0
            else:
                w = 0.01
        weights.append(w)
    return weights


def _staffed(day: date, hour: float) -> tuple[bool, float]:
    """Whether the firm is open, and how likely the main line is answered."""
    hours = opening_hours(day)
    if hours is None:
        return False, 0.01 if 8 <= hour < 16 else 0.0
    start, end = hours
    if start <= hour < end:
        if hour < 8.0 or end - hour <= 0.5:
            return True, 0.56
        if 12.0 <= hour < 13.0:
            return True, 0.5
        if 8.5 <= hour < 10.0 or 13.0 <= hour < 15.0:
            return True, 0.6
        return True, 0.68
    if end <= hour < end + 0.75:
        return False, 0.15
    if start - 0.75 <= hour < start:
        return False, 0.1
    return False, 0.0


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


# --- the generator --------------------------------------------------------------------------


def generate(
    start: date,
    days: int,
    *,
    seed: int = 7,
    people: int = 15,
    calls_per_day: float = 100.0,
    assistant_from: date | None = None,
    with_linkedid: bool = False,
    tz: str = "Europe/Berlin",
) -> SyntheticCdr:
    """``days`` days of the firm's CDR from ``start``, with the truth of every call."""
    if days < 1:
        raise ValueError("days must be at least 1")
    zone = ZoneInfo(tz)
    rng = random.Random(seed)
    model = _Model(rng, zone, people)
    dates = [start + timedelta(days=i) for i in range(days)]

    outage: tuple[float, float] | None = None
    if assistant_from is not None:
        open_days = [d for d in dates if d >= assistant_from and opening_hours(d)]
        if len(open_days) >= 5:
            d = rng.choice(open_days[2:])
            t = datetime(d.year, d.month, d.day, 13, tzinfo=zone).timestamp()
            t += rng.uniform(0, 3600)
            outage = (t, t + rng.uniform(1.5, 3.0) * 3600)

    # how many calls a day: calls_per_day on average over the days generated
    shares = {"inbound": 0.47, "outbound": 0.26, "internal": 0.13}  # + repeats and call-backs
    day_w = {}
    for d in dates:
        w = _DAY_WEIGHT[d.weekday()] if d not in holidays(d.year) else 0.1
        day_w[d] = w
    staff_w = {d: (1.0 if opening_hours(d) else 0.03) for d in dates}
    queue: list[tuple[float, int, _Event]] = []
    n = 0
    for d in dates:
        midnight = datetime(d.year, d.month, d.day, tzinfo=zone)
        offline = frozenset(e for e in model.office + model.service if rng.random() < 0.02)
        for kind, share in shares.items():
            weights = day_w if kind == "inbound" else staff_w
            total_w = sum(weights.values())
            lam = share * calls_per_day * days * weights[d] / total_w
            slots = _slot_weights(d, kind)
            if sum(slots) <= 0:
                continue
            for _ in range(_poisson(rng, lam)):
                slot = rng.choices(range(48), slots)[0]
                local = midnight + timedelta(seconds=slot * 1800 + rng.uniform(0, 1800))
                t = local.timestamp()
                n += 1
                heapq.heappush(queue, (t, n, _Event(kind, offline)))

    end_of_range = datetime.combine(dates[-1] + timedelta(days=1), datetime.min.time(), zone)
    horizon = end_of_range.timestamp()
    while queue:
        t, _, event = heapq.heappop(queue)
        local = datetime.fromtimestamp(t, zone)
        day = local.date()
        hour = local.hour + local.minute / 60
        if event.kind in ("inbound", "repeat"):
            caller = event.caller or model.caller()
            depth = event.depth
            opening, staffed = _staffed(day, hour)
            ctx = _Ctx(
                opening=opening,
                staffed=staffed,
                assistant=assistant_from is not None and day >= assistant_from,
                outage=outage is not None and outage[0] <= t < outage[1],
                offline=event.offline,
            )
            outcome = model.inbound(t, caller, ctx)
            if outcome == "missed" and caller.number:
                p_again = (0.4 if opening else 0.2) * 0.5**depth
                if rng.random() < p_again:
                    t2 = t + rng.triangular(60, 3300, 500)
                    if t2 < horizon:
                        n += 1
                        again = _Event("repeat", event.offline, caller, depth=depth + 1)
                        heapq.heappush(queue, (t2, n, again))
                elif opening and rng.random() < 0.45:
                    t2 = _callback_time(rng, t, zone)
                    if t2 < horizon:
                        n += 1
                        callback = _Event("callback", number=caller.number)
                        heapq.heappush(queue, (t2, n, callback))
        elif event.kind == "callback":
            model.outbound(t, number=event.number, ext=rng.choice(model.office))
        elif event.kind == "outbound":
            model.outbound(t)
        else:
            model.internal(t)

    restarts = []
    for k in (23, 58):
        if k < days:
            d = dates[k]
            restarts.append(datetime(d.year, d.month, d.day, 3, 12, 7, tzinfo=zone).timestamp())
    _number_channels(model.pbx, restarts)
    rows = _rows(model.pbx, zone, with_linkedid)
    truth = _truth(model, zone)
    return SyntheticCdr(rows=rows, truth=truth)


def _callback_time(rng: random.Random, t: float, zone: ZoneInfo) -> float:
    """When someone in the office calls a missed caller back: later today, or next morning."""
    t2 = t + rng.uniform(300, 3 * 3600)
    local = datetime.fromtimestamp(t2, zone)
    day = local.date()
    hours = opening_hours(day)
    if hours is not None and local.hour + local.minute / 60 < hours[1] - 0.25:
        return t2
    day += timedelta(days=1)
    while opening_hours(day) is None:
        day += timedelta(days=1)
    minute = rng.uniform(7.75 * 60, 10.5 * 60)
    return datetime(day.year, day.month, day.day, tzinfo=zone).timestamp() + minute * 60


def _number_channels(pbx: _Pbx, restarts: list[float]) -> None:
    """Channel names and uniqueids in the order Asterisk created the channels."""
    uniq = pjsip = local = 0
    pending = sorted(restarts)
    for chan in sorted(pbx.chans, key=lambda c: (c.created, c.order)):
        while pending and chan.created >= pending[0]:
            pending.pop(0)
            uniq = pjsip = local = 0
        secs = int(chan.created)
        if chan.kind == "pjsip":
            chan.name = f"{chan.base}-{pjsip:08x}"
            pjsip += 1
        elif chan.kind == "local":
            chan.name = f"{chan.base}-{local:08x}"
            local += 1
        else:
            chan.name = chan.base
        chan.uid = f"{secs}.{uniq}"
        uniq += 1
        if chan.kind == "local":
            chan.uid2 = f"{secs}.{uniq}"
            uniq += 1
    seq = 0
    pending = sorted(restarts)
    for rec in sorted(pbx.recs, key=lambda r: (r.start, r.order)):
        while pending and rec.start >= pending[0]:
            pending.pop(0)
            seq = 0
        rec.seq = seq
        seq += 1


def _rows(pbx: _Pbx, zone: ZoneInfo, with_linkedid: bool) -> list[list[str]]:
    hangup: dict[int, float] = {}
    for rec in pbx.recs:
        hangup[rec.chain] = max(hangup.get(rec.chain, 0.0), rec.end)
    cache: dict[int, str] = {}

    def stamp(t: float) -> str:
        s = int(t)
        if s not in cache:
            cache[s] = datetime.fromtimestamp(s, zone).strftime("%Y-%m-%d %H:%M:%S")
        return cache[s]

    rows = []
    for rec in sorted(pbx.recs, key=lambda r: (hangup[r.chain], r.chain, r.order)):
        duration = int(rec.end - rec.start)
        billsec = 0
        if rec.answer is not None:
            ms = int((rec.end - rec.answer) * 1000)
            billsec = min(duration, ms // 1000 + (1 if ms % 1000 >= 500 else 0))
        row = [
            "",
            rec.src,
            rec.dst,
            rec.dcontext,
            rec.clid,
            rec.a.leg(rec.a_half),
            rec.b.leg(rec.b_half) if rec.b is not None else "",
            rec.lastapp,
            rec.lastdata,
            stamp(rec.start),
            stamp(rec.answer) if rec.answer is not None else "",
            stamp(rec.end),
            str(duration),
            str(billsec),
            rec.disposition,
            "DOCUMENTATION",
            rec.a.uniqueid(rec.a_half),
            "",
        ]
        if with_linkedid:
            row += [rec.linked.uid, str(rec.seq)]
        rows.append(row)
    return rows


def _truth(model: _Model, zone: ZoneInfo) -> list[TruthCall]:
    out = []
    last_seen: dict[str, int] = {}
    for chan, who, t0, kind, outcome, reason in sorted(model.truth, key=lambda x: x[2]):
        started = int(t0)
        repeated = False
        if isinstance(who, _Caller):
            caller = who.number
            if caller:
                prev = last_seen.get(caller)
                repeated = prev is not None and 0 < started - prev <= 3600
                last_seen[caller] = started
        else:
            caller = who
        out.append(
            TruthCall(
                uniqueid=chan.uid,
                caller=caller,
                started_at=datetime.fromtimestamp(started, zone),
                kind=kind,
                outcome=outcome,
                missed_reason=reason,
                repeated=repeated,
            )
        )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=91)
    parser.add_argument("--start", type=date.fromisoformat, default=date(2026, 6, 1))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--assistant-from", type=date.fromisoformat, default=None)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--people", type=int, default=15)
    parser.add_argument("--calls-per-day", type=float, default=100.0)
    parser.add_argument("--with-linkedid", action="store_true")
    args = parser.parse_args(argv)
    cdr = generate(
        args.start,
        args.days,
        seed=args.seed,
        people=args.people,
        calls_per_day=args.calls_per_day,
        assistant_from=args.assistant_from,
        with_linkedid=args.with_linkedid,
    )
    cdr.write(args.out)
    json.dump(cdr.totals(), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
