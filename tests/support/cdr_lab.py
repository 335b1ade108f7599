"""Real call detail records from the lab Asterisk, for the CDR analyser's tests.

The lab plays a small company's PBX (lab/asterisk/extensions.conf ``[pbx-inbound]`` and
``[pbx-internal]``, endpoints in lab/asterisk/pjsip.conf): outside calls come in on the
trunk ``carrier`` with a DID (``49895550...``), the office's phones are PJSIP/201..206
(sipp UAS on 127.0.0.1:5081-5086), outbound calls leave through ``carrier`` to a sipp
UAS on 127.0.0.1:5089. :func:`place_scripted_calls` places a fixed set of calls, most of
them at once (about 12 s in all), and returns what happened to each (:class:`PlacedCall`,
the ground truth). Asterisk writes the records of those calls to

- ``cdr-csv/Master.csv``     cdr_csv, the standard 18 columns (:data:`CDR_CSV_COLUMNS`)
- ``cdr-custom/Master.csv``  cdr_custom, the same 18 + linkedid, sequence
  (:data:`CDR_CUSTOM_COLUMNS`)
- ``cel-custom.csv``        channel events (:data:`CEL_COLUMNS`)

under the chroot's /var/log/asterisk (:func:`record_files`). All times in them are UTC
(cdr.conf usegmtime; the chroot's zone is UTC too, which the cdr_custom and CEL times
use). :class:`RecordMark` remembers the files' sizes before the calls, so only the rows
of this run are read (:meth:`RecordMark.new_rows`, or copied to files:
:meth:`RecordMark.copy_new`).

The calls to the assistant need a running agent: :func:`running_assistant` runs it
in-process with a scripted conversation (:class:`ScriptedAssistant`) that hands chosen
callers over to the office (PJSIP/201) after a few seconds and keeps talking with the
others until they hang up. Without it, ``place_scripted_calls(assistant=None)`` leaves the
assistant's calls out.

    mark = RecordMark.now()
    async with running_assistant(pg_database, tmp_path) as assistant:
        placed = await place_scripted_calls(assistant)
    run = await wait_for_records(mark, placed)
    print(describe(placed, run))
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import random
import shutil
import socket
import tempfile
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from tests.support.lab import lab_dir
from tests.support.phones import (
    ASTERISK_SIP,
    HOST,
    SIPP_DIR,
    SippPhone,
    _free_port,
    _read,
    _sipp,
    _sipp_errors,
    _stop,
)

if TYPE_CHECKING:
    from agent.telephony.call import CallContext, ConversationResult

Expected = Literal["person", "assistant", "missed", "internal", "outbound"]
MissedReason = Literal["no_answer", "busy", "abandoned", "voicemail"]

#: The company's numbers: DIDs as the trunk delivers them (national +49 89 5550-...).
DID_PREFIX = "49895550"
ASSISTANT_DID = f"{DID_PREFIX}800"
#: The office phone that makes the internal and the outbound call, and takes handovers.
OFFICE_PHONE = "201"
OUTSIDE_NUMBER = "0301234567"  # what 201 dials for the outbound call

#: The lab PBX's phones: endpoint -> (sipp UAS port, scenario). See pjsip.conf.
PBX_PHONES: dict[str, tuple[int, str]] = {
    "201": (5081, "answer"),  # answers after 0.2 s
    "202": (5082, "busy"),  # 486
    "203": (5083, "ring"),  # rings until cancelled
    "204": (5084, "ring"),
    "205": (5085, "pbx_uas_blind_transfer.xml"),  # answers after 1 s, REFER to 206 after 2 s
    "206": (5086, "pbx_uas_answer_late.xml"),  # answers after 2 s
    "carrier": (5089, "answer"),  # the outside world, for outbound calls
}

CDR_CSV_COLUMNS: tuple[str, ...] = (
    "accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp",
    "lastdata", "start", "answer", "end", "duration", "billsec", "disposition", "amaflags",
    "uniqueid", "userfield",
)  # fmt: skip
CDR_CUSTOM_COLUMNS: tuple[str, ...] = (*CDR_CSV_COLUMNS, "linkedid", "sequence")
CEL_COLUMNS: tuple[str, ...] = (
    "eventtype", "eventtime", "cid_num", "cid_name", "exten", "context", "channame",
    "appname", "appdata", "uniqueid", "linkedid", "peer", "extra",
)  # fmt: skip


# ---------------------------------------------------------------------------- files


@dataclass(frozen=True)
class RecordFiles:
    cdr_csv: Path
    cdr_custom: Path
    cel: Path

    def all(self) -> dict[str, Path]:
        return {"cdr_csv": self.cdr_csv, "cdr_custom": self.cdr_custom, "cel": self.cel}


def record_files(directory: Path | None = None) -> RecordFiles:
    """Where the lab Asterisk writes its records (``directory``: the lab directory)."""
    logs = (directory or lab_dir()) / "asterisk-root" / "var" / "log" / "asterisk"
    return RecordFiles(
        cdr_csv=logs / "cdr-csv" / "Master.csv",
        cdr_custom=logs / "cdr-custom" / "Master.csv",
        cel=logs / "cel-custom.csv",
    )


Row = dict[str, str]


def parse_rows(text: str, columns: Sequence[str]) -> list[Row]:
    """CSV lines -> dicts by column name (a row with other than len(columns) fields
    raises: the file is not in the lab's format)."""
    rows: list[Row] = []
    for fields in csv.reader(io.StringIO(text)):
        if not fields:
            continue
        if len(fields) != len(columns):
            raise ValueError(f"expected {len(columns)} fields, got {len(fields)}: {fields}")
        rows.append(dict(zip(columns, fields, strict=True)))
    return rows


@dataclass(frozen=True)
class RunRecords:
    """The rows one run added to the three files (raw text and parsed)."""

    cdr_csv_text: str
    cdr_custom_text: str
    cel_text: str

    @property
    def cdr_csv(self) -> list[Row]:
        return parse_rows(self.cdr_csv_text, CDR_CSV_COLUMNS)

    @property
    def cdr_custom(self) -> list[Row]:
        return parse_rows(self.cdr_custom_text, CDR_CUSTOM_COLUMNS)

    @property
    def cel(self) -> list[Row]:
        return parse_rows(self.cel_text, CEL_COLUMNS)


@dataclass(frozen=True)
class RecordMark:
    """The record files' sizes at one moment: what is written after it is this run's."""

    files: RecordFiles
    sizes: dict[str, int]

    @classmethod
    def now(cls, files: RecordFiles | None = None) -> RecordMark:
        files = files or record_files()
        return cls(files, {name: _size(path) for name, path in files.all().items()})

    def _new_bytes(self, name: str) -> bytes:
        path = self.files.all()[name]
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return b""
        start = self.sizes[name]
        if len(data) < start:  # rotated or truncated since: all of it is new
            start = 0
        data = data[start:]
        # only whole lines (a row may be half written right now)
        return data[: data.rfind(b"\n") + 1]

    def new_rows(self) -> RunRecords:
        return RunRecords(
            *(self._new_bytes(n).decode(errors="replace") for n in ("cdr_csv", "cdr_custom", "cel"))
        )

    def copy_new(self, directory: Path | None = None) -> RecordFiles:
        """The new rows written to files of their own (in ``directory``, default a new
        temporary directory), named like the lab's: cdr-csv.csv, cdr-custom.csv, cel.csv."""
        directory = directory or Path(tempfile.mkdtemp(prefix="rufbereit-cdr-"))
        directory.mkdir(parents=True, exist_ok=True)
        out = RecordFiles(
            directory / "cdr-csv.csv", directory / "cdr-custom.csv", directory / "cel.csv"
        )
        for name, path in out.all().items():
            path.write_bytes(self._new_bytes(name))
        return out


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


async def wait_for_records(
    mark: RecordMark, placed: Sequence[PlacedCall], within: float = 15.0
) -> RunRecords:
    """Until every placed call's caller is the src of a new row in both CDR files, and the
    files have stopped growing for a second (the last legs of a call come a moment after
    its first); raises TimeoutError with what is missing."""
    deadline = time.monotonic() + within
    wanted = {c.caller for c in placed}
    last_sizes: dict[str, int] = {}
    quiet_since: float | None = None
    while True:
        run = mark.new_rows()
        seen_csv = {r["src"] for r in run.cdr_csv}
        seen_custom = {r["src"] for r in run.cdr_custom}
        missing = sorted(wanted - (seen_csv & seen_custom))
        sizes = {n: _size(p) for n, p in mark.files.all().items()}
        if sizes != last_sizes:
            last_sizes, quiet_since = sizes, time.monotonic()
        if not missing and quiet_since is not None and time.monotonic() - quiet_since >= 1.0:
            return run
        if time.monotonic() > deadline:
            raise TimeoutError(f"no CDR rows with src {missing} within {within} s")
        await asyncio.sleep(0.2)


# ---------------------------------------------------------------------------- the calls


@dataclass(frozen=True)
class PlacedCall:
    """One scripted call and what really happened (the ground truth for the analyser)."""

    caller: str  # the outside number (in CDR src); the extension for internal/outbound
    dialled: str  # the DID (inbound), the extension (internal), the outside number
    started_at: datetime  # aware UTC, when the INVITE was sent
    expected: Expected
    missed_reason: MissedReason | None
    repeated: bool  # the same caller called within the previous hour in this set
    note: str  # what the script did
    sip_result: str = ""  # what the caller saw: answered | rejected=486 | gave-up
    ended_at: datetime | None = None  # aware UTC, when the caller's sipp was done


@dataclass(frozen=True)
class _Plan:
    caller: str
    dialled: str
    expected: Expected
    missed_reason: MissedReason | None
    note: str
    sip: Literal["answered", "rejected", "gave-up"]
    from_user: str = "carrier"
    at_s: float = 0.0  # when to place it, after the first
    hold_s: float = 3.0  # after the answer
    ring_s: float = 30.0  # the caller gives up (CANCEL) after this long without an answer
    repeated: bool = False
    handover: bool = False  # the assistant hands this caller over to the office


def _plans(run_id: int) -> list[_Plan]:
    """The script. Outside numbers are +49170<run id, 4 digits>0<NN>: unique per run."""

    def outside(n: int) -> str:
        return f"+49170{run_id:04d}0{n:02d}"

    did = DID_PREFIX
    return [
        _Plan(outside(1), f"{did}201", "person", None, "direct to 201, 201 answers", "answered"),
        _Plan(
            outside(2), f"{did}203", "missed", "no_answer",
            "direct to 203, rings 6 s, Dial times out, hung up", "rejected",
        ),
        _Plan(
            outside(3), f"{did}202", "missed", "busy", "direct to 202, 202 is busy (486)",
            "rejected",
        ),
        _Plan(
            outside(4), f"{did}203", "missed", "abandoned",
            "direct to 203, the caller hangs up (CANCEL) after 2 s of ringing", "gave-up",
            ring_s=2.0,
        ),
        _Plan(
            outside(5), f"{did}210", "person", None,
            "ring group 203&206 (then voicemail): 206 answers after 2 s", "answered",
        ),
        _Plan(
            outside(6), f"{did}211", "missed", "voicemail",
            "ring group 203&204, nobody answers in 6 s, VoiceMail(100@default,u) answers; "
            "the caller hangs up 3 s into the greeting (no message left)", "answered",
        ),
        _Plan(
            outside(7), f"{did}212", "missed", "no_answer",
            "ring group 203&204, nobody answers in 6 s, hung up", "rejected",
        ),
        _Plan(
            outside(8), f"{did}205", "person", None,
            "205 answers after 1 s, talks 2 s, blind-transfers (SIP REFER) to 206, 206 "
            "answers after 2 s; the caller hangs up 9 s after the first answer", "answered",
            hold_s=9.0,
        ),
        _Plan(
            outside(9), ASSISTANT_DID, "assistant", None,
            "the assistant answers (Stasis); the caller hangs up after 5 s", "answered",
            hold_s=5.0,
        ),
        _Plan(
            outside(10), ASSISTANT_DID, "assistant", None,
            "the assistant answers, hands over after 3 s (dialplan fallback, Dial "
            "PJSIP/201), 201 answers; the caller hangs up 8 s after the assistant answered",
            "answered", hold_s=8.0, handover=True,
        ),
        _Plan(
            outside(3), f"{did}201", "person", None,
            "call back 3 s after the busy call (same number): 201 answers", "answered",
            at_s=3.0, repeated=True,
        ),
        _Plan(
            OFFICE_PHONE, "206", "internal", None, "internal: 201 calls 206, 206 answers",
            "answered", from_user=OFFICE_PHONE,
        ),
        _Plan(
            OFFICE_PHONE, OUTSIDE_NUMBER, "outbound", None,
            "outbound: 201 dials 0301234567 via the trunk, the far end answers", "answered",
            from_user=OFFICE_PHONE,
        ),
    ]  # fmt: skip


class ScriptedAssistant:
    """The agent's conversation in these calls: hands the callers in ``handover_callers``
    to the office after ``handover_after_s`` (as when a caller asks for a person, put
    through by the dialplan: not warm), talks with everybody else until they hang up."""

    def __init__(self, handover_callers: Iterable[str] = (), handover_after_s: float = 3.0):
        self.handover_callers = set(handover_callers)
        self.handover_after_s = handover_after_s
        self.calls: list[str] = []  # caller numbers, in the order the calls came

    async def run(self, call: CallContext) -> ConversationResult:
        from agent.telephony.call import CallOutcome, ConversationResult

        number = call.info.caller_number
        self.calls.append(number)
        if number in self.handover_callers:
            await asyncio.sleep(self.handover_after_s)
            return ConversationResult(CallOutcome.HANDOVER, warm=False, reason="asked")
        await asyncio.sleep(600)  # cancelled when the caller hangs up
        return ConversationResult(CallOutcome.COMPLETED)


@contextlib.asynccontextmanager
async def running_assistant(
    database_url: str, tmp_path: Path, assistant: ScriptedAssistant | None = None
) -> AsyncIterator[ScriptedAssistant]:
    """The agent, in-process against the lab, talking as ``assistant``; handovers ring
    PJSIP/201 for 6 s (the profile's handover.office)."""
    import yaml

    from agent.app import running_agent
    from agent.config import example_profile_data, load_settings
    from tests.support.lab import clear_stale_app

    assistant = assistant or ScriptedAssistant()
    data = example_profile_data()
    data["business"]["handover"] = {
        "office": f"PJSIP/{OFFICE_PHONE}",
        "ring_timeout_s": 6,
        "warm": False,
    }
    profile = tmp_path / "cdr-lab-profile.yaml"
    profile.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    settings = load_settings(
        profile,
        env={
            "RUFBEREIT_DATABASE_URL": database_url,
            "RUFBEREIT_SPOOL_DIR": str(tmp_path / "spool"),
        },
    )
    await clear_stale_app()
    async with running_agent(settings, conversation=assistant):
        yield assistant


@dataclass
class _Outcome:
    started_at: datetime
    ended_at: datetime
    log: str
    returncode: int | None
    errors: str = ""

    @property
    def sip_result(self) -> str:
        for line in self.log.splitlines():
            line = line.strip()
            if line == "answered" or line == "gave-up" or line.startswith("rejected="):
                return line
        return "?"


async def _sipp_call(plan: _Plan, within: float) -> _Outcome:
    """One call with tests/sipp/pbx_uac_call.xml; an idle UDP socket takes Asterisk's RTP."""
    workdir = Path(tempfile.mkdtemp(prefix="rufbereit-pbxcall-"))
    hold_ms = max(1, round(plan.hold_s * 1000))
    scenario = workdir / "pbx_uac_call.xml"
    scenario.write_text(
        (SIPP_DIR / "pbx_uac_call.xml").read_text().replace("HOLD_MS", str(hold_ms))
    )
    log_file, err_file = workdir / "call.log", workdir / "errors.log"
    rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rtp.bind((HOST, 0))
    args = [
        ASTERISK_SIP, "-s", plan.dialled, "-m", "1",
        "-i", HOST, "-p", str(_free_port()), "-cp", str(_free_port(host="0.0.0.0")),
        "-set", "from_user", plan.from_user, "-set", "caller_number", plan.caller,
        "-set", "rtp_port", str(rtp.getsockname()[1]),
        "-recv_timeout", str(max(1, round(plan.ring_s * 1000))),
        "-trace_err", "-error_file", str(err_file),
        "-trace_logs", "-log_file", str(log_file),
        "-nostdin",
        "-sf", str(scenario),
    ]  # fmt: skip
    started_at = datetime.now(UTC)
    proc = await asyncio.create_subprocess_exec(
        _sipp(), *args, cwd=workdir, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(proc.wait(), within)
    finally:
        await _stop(proc)
        rtp.close()
    outcome = _Outcome(
        started_at, datetime.now(UTC), _read(log_file), proc.returncode, _sipp_errors(err_file)
    )
    shutil.rmtree(workdir, ignore_errors=True)
    return outcome


@contextlib.asynccontextmanager
async def pbx_phones() -> AsyncIterator[dict[str, SippPhone]]:
    """The lab PBX's sipp phones (:data:`PBX_PHONES`), running."""
    async with contextlib.AsyncExitStack() as stack:
        phones = {
            name: await stack.enter_async_context(SippPhone(port, scenario))
            for name, (port, scenario) in PBX_PHONES.items()
        }
        yield phones


async def place_scripted_calls(
    assistant: ScriptedAssistant | None = None, *, run_id: int | None = None
) -> list[PlacedCall]:
    """Place the scripted set of calls (see :func:`_plans`), most at once; about 12 s.

    ``assistant``: the running agent's conversation (:func:`running_assistant`); None
    leaves out the calls to the assistant. ``run_id`` (0-9999, default random) goes into
    the outside numbers. Starts and stops the PBX's phones itself. Raises RuntimeError if
    a call did not go as scripted (so the ground truth is true)."""
    run_id = random.randrange(10_000) if run_id is None else run_id
    plans = [p for p in _plans(run_id) if assistant is not None or p.expected != "assistant"]
    if assistant is not None:
        assistant.handover_callers |= {p.caller for p in plans if p.handover}

    async def one(plan: _Plan) -> _Outcome:
        await asyncio.sleep(plan.at_s)
        return await _sipp_call(plan, within=plan.hold_s + 30)

    async with pbx_phones() as phones:
        outcomes = await asyncio.gather(*(one(p) for p in plans))
        await asyncio.sleep(0.5)  # the phones' last BYEs
    problems = [
        f"{p.caller} -> {p.dialled} ({p.note}): expected {p.sip}, got {o.sip_result} "
        f"(sipp exit {o.returncode}) {o.errors[-500:]}"
        for p, o in zip(plans, outcomes, strict=True)
        if not o.sip_result.startswith(p.sip)
    ]
    transfer_log = phones["205"]._lines()
    if "refer=202" not in transfer_log or "hangup=phone" not in transfer_log:
        problems.append(f"205 did not transfer: {transfer_log} {phones['205'].errors[-500:]}")
    if problems:
        raise RuntimeError("scripted calls went wrong:\n" + "\n".join(problems))
    seen: dict[str, datetime] = {}
    placed: list[PlacedCall] = []
    for p, o in sorted(zip(plans, outcomes, strict=True), key=lambda po: po[1].started_at):
        before = seen.get(p.caller)
        repeated = (
            p.from_user == "carrier"
            and before is not None
            and o.started_at - before < timedelta(hours=1)
        )
        assert repeated == p.repeated, (p, before)
        seen[p.caller] = o.started_at
        placed.append(
            PlacedCall(
                caller=p.caller,
                dialled=p.dialled,
                started_at=o.started_at,
                expected=p.expected,
                missed_reason=p.missed_reason,
                repeated=repeated,
                note=p.note,
                sip_result=o.sip_result,
                ended_at=o.ended_at,
            )
        )
    return placed


# ---------------------------------------------------------------------------- reading


@dataclass
class CallRecords:
    """The rows that belong to one placed call (by linkedid, from the cdr_custom rows)."""

    call: PlacedCall
    linkedids: list[str] = field(default_factory=list)
    cdr_csv: list[Row] = field(default_factory=list)
    cdr_custom: list[Row] = field(default_factory=list)
    cel: list[Row] = field(default_factory=list)


def _utc(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def group_records(placed: Sequence[PlacedCall], run: RunRecords) -> list[CallRecords]:
    """The run's rows per placed call: each linkedid whose rows have a placed call's
    caller as src goes to that call (same caller: the one whose dialled number is a dst of
    the group, then the one started last before the group's first row). cdr_csv rows join
    by uniqueid, CEL rows by linkedid."""
    custom, cdr_csv, cel = run.cdr_custom, run.cdr_csv, run.cel
    groups: dict[str, list[Row]] = {}
    for row in custom:
        groups.setdefault(row["linkedid"], []).append(row)
    result = [CallRecords(c) for c in placed]
    for linkedid, rows in groups.items():
        srcs = {r["src"] for r in rows}
        candidates = [cr for cr in result if cr.call.caller in srcs]
        by_dst = [cr for cr in candidates if cr.call.dialled in {r["dst"] for r in rows}]
        candidates = by_dst or candidates
        first = min((t for r in rows if (t := _utc(r["start"])) is not None), default=None)
        if first is not None:
            before = [cr for cr in candidates if cr.call.started_at <= first + timedelta(seconds=1)]
            candidates = sorted(before or candidates, key=lambda cr: cr.call.started_at)
        if candidates:
            candidates[-1].linkedids.append(linkedid)
    for cr in result:
        cr.cdr_custom = [r for r in custom if r["linkedid"] in cr.linkedids]
        uniqueids = {r["uniqueid"] for r in cr.cdr_custom}
        cr.cdr_csv = [r for r in cdr_csv if r["uniqueid"] in uniqueids]
        cr.cel = [r for r in cel if r["linkedid"] in cr.linkedids]
    return result


def describe(
    placed: Sequence[PlacedCall], run: RunRecords, *, cel_for: Iterable[str] | None = None
) -> str:
    """A readable dump: per placed call its ground truth and its raw rows (CEL rows only
    for the calls whose caller is in ``cel_for``; all if None)."""
    wanted_cel = None if cel_for is None else set(cel_for)
    csv_lines = run.cdr_csv_text.splitlines()
    custom_lines = run.cdr_custom_text.splitlines()
    cel_lines = run.cel_text.splitlines()
    out: list[str] = []
    for cr in group_records(placed, run):
        c = cr.call
        out.append("=" * 100)
        out.append(
            f"{c.caller} -> {c.dialled}  expected={c.expected} missed_reason={c.missed_reason} "
            f"repeated={c.repeated} sip={c.sip_result}"
        )
        out.append(f"  started_at={c.started_at.isoformat()} ended_at={c.ended_at}")
        out.append(f"  {c.note}")
        out.append(f"  linkedids: {cr.linkedids}")
        out.append("  -- cdr-csv/Master.csv")
        out += [
            f"  {line}" for line, r in zip(csv_lines, run.cdr_csv, strict=True) if r in cr.cdr_csv
        ]
        out.append("  -- cdr-custom/Master.csv")
        out += [
            f"  {line}"
            for line, r in zip(custom_lines, run.cdr_custom, strict=True)
            if r["linkedid"] in cr.linkedids
        ]
        if wanted_cel is None or c.caller in wanted_cel:
            out.append("  -- cel-custom.csv")
            out += [
                f"  {line}"
                for line, r in zip(cel_lines, run.cel, strict=True)
                if r["linkedid"] in cr.linkedids
            ]
    return "\n".join(out) + "\n"


__all__ = [
    "CDR_CSV_COLUMNS",
    "CDR_CUSTOM_COLUMNS",
    "CEL_COLUMNS",
    "CallRecords",
    "PlacedCall",
    "RecordFiles",
    "RecordMark",
    "RunRecords",
    "ScriptedAssistant",
    "describe",
    "group_records",
    "parse_rows",
    "pbx_phones",
    "place_scripted_calls",
    "record_files",
    "running_assistant",
    "wait_for_records",
]
