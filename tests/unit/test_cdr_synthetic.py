"""The synthetic cdr_csv Master.csv (tests/support/cdr_synthetic.py) has Asterisk's shapes,
and its truth adds up. A week only, so that `make unit` stays fast."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.support.cdr_synthetic import (
    COLUMNS,
    DISPOSITIONS,
    SyntheticCdr,
    generate,
)

BERLIN = ZoneInfo("Europe/Berlin")
START = date(2026, 6, 1)  # a Monday
COL = {name: i for i, name in enumerate(COLUMNS)}


@pytest.fixture(scope="module")
def week() -> SyntheticCdr:
    return generate(START, 7, seed=3, assistant_from=date(2026, 6, 4))


def _read(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def _time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S")


def test_the_file_parses_with_the_columns_of_cdr_csv(week: SyntheticCdr, tmp_path: Path) -> None:
    path = tmp_path / "Master.csv"
    week.write(path)
    rows = _read(path)
    assert rows == week.rows
    assert len(rows) > 500
    assert all(len(row) == 18 for row in rows)
    line = path.read_text(encoding="utf-8").splitlines()[0]
    # every field quoted but duration and billsec (and an empty answer time)
    assert line.startswith('"",') and ',"DOCUMENTATION",' in line

    linked = generate(START, 2, seed=3, with_linkedid=True)
    assert all(len(row) == 20 for row in linked.rows)
    uniqueids = {t.uniqueid for t in linked.truth}
    assert all(row[18] in uniqueids for row in linked.rows)


def test_the_fields_have_asterisks_values(week: SyntheticCdr) -> None:
    for row in week.rows:
        disposition = row[COL["disposition"]]
        assert disposition in DISPOSITIONS
        assert row[COL["amaflags"]] == "DOCUMENTATION"
        start, end = _time(row[COL["start"]]), _time(row[COL["end"]])
        duration, billsec = int(row[COL["duration"]]), int(row[COL["billsec"]])
        assert start <= end and 0 <= billsec <= duration
        assert abs((end - start).total_seconds() - duration) <= 1
        answer = row[COL["answer"]]
        if answer:
            assert start <= _time(answer) <= end
        else:
            assert billsec == 0
        if disposition != "ANSWERED" and answer:
            # the caller's channel was up already (after the assistant or a transfer):
            # Asterisk stamps the answer time when the record starts
            assert answer == row[COL["start"]]
        if disposition != "ANSWERED" and not answer:
            assert billsec == 0


def test_the_records_of_a_call_share_the_callers_uniqueid(week: SyntheticCdr) -> None:
    by_uid: dict[str, list[list[str]]] = defaultdict(list)
    for row in week.rows:
        by_uid[row[COL["uniqueid"]]].append(row)
    inbound = [t for t in week.truth if t.kind == "inbound"]
    for call in inbound:
        rows = by_uid[call.uniqueid]
        assert rows, call
        assert {r[COL["channel"]] for r in rows} == {rows[0][COL["channel"]]}
        assert rows[0][COL["channel"]].startswith("PJSIP/telekom-")
        assert {r[COL["src"]] for r in rows} <= {call.caller, "anonymous"}
    ring_groups = [rows for rows in by_uid.values() if len(rows) >= 3]
    assert ring_groups
    # every record of a Local channel's ;2 half belongs to a ;1 another record dialled
    dialled = {r[COL["dstchannel"]] for r in week.rows}
    halves = [r for r in week.rows if r[COL["channel"]].endswith(";2")]
    assert halves
    assert all(r[COL["channel"]][:-1] + "1" in dialled for r in halves)


def test_the_truth_adds_up(week: SyntheticCdr) -> None:
    totals = week.totals()
    inbound = totals["inbound"]
    assert isinstance(inbound, int) and inbound > 100
    assert totals["person"] + totals["assistant"] + totals["missed"] == inbound  # type: ignore[operator]
    by_reason = totals["missed_by_reason"]
    assert isinstance(by_reason, dict)
    assert sum(by_reason.values()) == totals["missed"]
    assert totals["assistant"] and totals["internal"] and totals["outbound"]
    for call in week.truth:
        assert call.started_at.tzinfo is not None
        if call.kind == "inbound":
            assert (call.outcome == "missed") == (call.missed_reason is not None)
        else:
            assert call.outcome is None and call.missed_reason is None and not call.repeated
        if call.repeated:
            assert call.caller
    assert len({t.uniqueid for t in week.truth}) == len(week.truth)
    starts = [t.started_at for t in week.truth]
    assert starts == sorted(starts)


def test_the_assistant_answers_only_from_its_first_day(week: SyntheticCdr) -> None:
    stasis = [r for r in week.rows if r[COL["lastapp"]] == "Stasis"]
    assert stasis
    assert all(_time(r[COL["start"]]).date() >= date(2026, 6, 4) for r in stasis)
    assert all(r[COL["lastdata"]].startswith("rufbereit,inbound,") for r in stasis)
    assert all(r[COL["disposition"]] == "ANSWERED" for r in stasis)
    days = Counter(t.started_at.date() for t in week.truth if t.outcome == "assistant")
    assert min(days) >= date(2026, 6, 4)


def test_the_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    generate(START, 3, seed=11).write(a)
    generate(START, 3, seed=11).write(b)
    generate(START, 3, seed=12).write(c)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
