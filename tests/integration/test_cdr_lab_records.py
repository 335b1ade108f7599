"""The lab's Asterisk writes real call detail records for a scripted set of calls.

The ground for the CDR analyser's tests (tests/support/cdr_lab.py): a company PBX in the
lab takes outside calls (direct, ring groups, busy, missed, abandoned, voicemail, a blind
transfer, the assistant with and without a handover, a call back) and its phones make an
internal and an outbound call. Only the basics are checked here: every call left rows in
cdr_csv, cdr_custom and CEL. ``RUFBEREIT_CDR_LAB_DUMP=/path`` writes the rows, grouped per
call, to that file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.support.cdr_lab import (
    ASSISTANT_DID,
    OFFICE_PHONE,
    OUTSIDE_NUMBER,
    PlacedCall,
    RecordMark,
    describe,
    group_records,
    place_scripted_calls,
    running_assistant,
    wait_for_records,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]


async def test_scripted_calls_leave_call_detail_records(
    lab: None, ari_cleanup: None, pg_database: str, tmp_path: Path
) -> None:
    mark = RecordMark.now()
    t0 = time.monotonic()
    async with running_assistant(pg_database, tmp_path) as assistant:
        placed = await place_scripted_calls(assistant)
    took = time.monotonic() - t0
    run = await wait_for_records(mark, placed)
    dump = describe(placed, run)
    _save(tmp_path / "cdr_lab_dump.txt", dump)
    if target := os.environ.get("RUFBEREIT_CDR_LAB_DUMP"):
        _save(Path(target), f"# calls placed in {took:.1f} s\n{dump}")

    assert took < 60, f"the scripted calls took {took:.0f} s"
    kinds = {c.expected for c in placed}
    assert kinds == {"person", "assistant", "missed", "internal", "outbound"}
    assert sum(c.caller in assistant.calls for c in placed) == 2, assistant.calls
    assert any(c.repeated for c in placed)

    srcs_csv = {r["src"] for r in run.cdr_csv}
    srcs_custom = {r["src"] for r in run.cdr_custom}
    for call in placed:
        assert call.caller in srcs_csv, f"{call}: no cdr_csv row with this src\n{dump}"
        assert call.caller in srcs_custom, f"{call}: no cdr_custom row with this src\n{dump}"
    for records in group_records(placed, run):
        call = records.call
        assert records.cdr_custom, f"no records for {call}\n{dump}"
        assert len(records.cdr_csv) == len(records.cdr_custom), dump
        assert records.cel, f"no channel events for {call}\n{dump}"
        if call.dialled == ASSISTANT_DID:
            assert any(r["lastapp"] == "Stasis" for r in records.cdr_custom), dump

    internal = [
        r
        for r in run.cdr_custom
        if r["src"] == OFFICE_PHONE and r["dst"] == "206" and r["dcontext"] == "pbx-internal"
    ]
    outbound = [
        r
        for r in run.cdr_custom
        if r["src"] == OFFICE_PHONE
        and r["dst"] == OUTSIDE_NUMBER
        and r["dstchannel"].startswith("PJSIP/carrier-")
    ]
    assert internal and outbound, dump
    assert any(e["eventtype"] == "BLINDTRANSFER" for e in run.cel), dump

    # The analyser, on each way an admin may keep the records: every call classified as
    # it was placed (rufbereit analyse --json --calls on this run's rows).
    files = mark.copy_new(tmp_path / "records")
    sources = {
        "cdr_csv": ["--cdr", str(files.cdr_csv)],
        "cdr_custom (linkedid)": ["--cdr", str(files.cdr_custom)],
        "cdr_csv + CEL": ["--cdr", str(files.cdr_csv), "--cel", str(files.cel)],
    }
    for source, args in sources.items():
        report = _analyse(args)
        _assert_classified(placed, report, f"{source}\n{dump}")

    # Before and after: the CDR's side and rufbereit's own records (the calls the agent
    # stored in this test's database), for the day of the calls against the day before.
    day = placed[0].started_at.astimezone(ZoneInfo("Europe/Berlin")).date()
    before = (day - timedelta(days=1)).isoformat()
    report = _analyse(
        ["--cdr", str(files.cdr_custom), "--before", f"{before}:{before}",
         "--after", f"{day}:{day}"],
        database_url=pg_database,
    )  # fmt: skip
    after = report["comparison"]["after"]
    assert report["comparison"]["records_note"] is None, report["comparison"]
    assert after["answered_by_assistant"] == 2 and after["handed_over_by_assistant"] == 1
    assert after["handovers"] == 1  # from rufbereit's own call records
    assert report["comparison"]["before"]["inbound_calls"] == 0


def _analyse(args: list[str], database_url: str | None = None) -> dict[str, Any]:
    env = dict(os.environ)
    if database_url:
        env["RUFBEREIT_DATABASE_URL"] = database_url
    out = subprocess.run(
        [sys.executable, "-m", "agent", "analyse", *args, "--cdr-timezone", "UTC", "--json",
         "--calls"],
        capture_output=True, text=True, timeout=60, check=False, env=env,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    report: dict[str, Any] = json.loads(out.stdout)
    return report


def _assert_classified(placed: list[PlacedCall], report: dict[str, Any], why: str) -> None:
    calls = report["calls"]
    inbound = [c for c in placed if c.expected not in ("internal", "outbound")]
    for call in inbound:

        def gap(c: dict[str, Any], call: PlacedCall = call) -> float:
            return abs(datetime.fromisoformat(c["started_at"]) - call.started_at).total_seconds()

        # the nearest call of this number (a repeat comes 3 s after the first call)
        found = sorted((c for c in calls if c["caller"] == call.caller and gap(c) < 2), key=gap)
        assert found, f"{call}: not found\n{why}"
        got = found[0]
        assert (got["outcome"], got["missed_reason"], got["repeated"]) == (
            call.expected, call.missed_reason, call.repeated,
        ), f"{call.note}: {got}\n{why}"  # fmt: skip
        if "hands over" in call.note:
            assert got["handed_over"], f"{call.note}: {got}"
    assert report["inbound_calls"] == len(inbound), why
    assert report["internal_calls"] == sum(c.expected == "internal" for c in placed), why
    assert report["outbound_calls"] == sum(c.expected == "outbound" for c in placed), why
    assert report["assistant_own_calls"] == 0, why  # the media channels belong to their calls


def _save(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
