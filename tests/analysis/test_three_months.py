"""Three months of a 15-person firm's call records (about 9,000 calls, written the way
Asterisk writes them: ring groups, Local channels, transfers, voicemail, restarts, the
assistant from August): every call classified as it happened."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from agent.analysis.calls import rebuild_calls
from agent.analysis.cdr import read_cdr_csv
from agent.cli import main
from tests.support.cdr_synthetic import SyntheticCdr, generate

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(scope="module", params=[None, date(2026, 8, 1)], ids=["before", "assistant"])
def three_months(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[SyntheticCdr, Path]:
    cdr = generate(date(2026, 6, 1), 91, assistant_from=request.param)
    path = tmp_path_factory.mktemp("cdr") / "Master.csv"
    cdr.write(path)
    return cdr, path


def test_every_call_is_classified_as_it_happened(three_months: tuple[SyntheticCdr, Path]) -> None:
    cdr, path = three_months
    batch = read_cdr_csv(path, BERLIN)
    assert batch.unreadable == []
    calls = {c.key: c for c in rebuild_calls(batch.records)}
    assert len(calls) == len(cdr.truth)
    wrong = Counter()
    for t in cdr.truth:
        c = calls[t.uniqueid]
        got = (c.direction, c.outcome, c.missed_reason, c.repeated)
        expected = (t.kind, t.outcome, t.missed_reason, t.repeated)
        if got != expected:
            wrong[(expected, got)] += 1
    assert not wrong, wrong.most_common(5)


def test_the_command_counts_what_the_records_hold(
    three_months: tuple[SyntheticCdr, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    cdr, path = three_months
    assert (
        main(
            ["analyse", "--cdr", str(path), "--from", "2026-06-01", "--to", "2026-08-30", "--json"]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    inbound = [t for t in cdr.truth if t.kind == "inbound"]
    assert data["inbound_calls"] == len(inbound)
    assert data["answered_by_person"] == sum(t.outcome == "person" for t in inbound)
    assert data["answered_by_assistant"] == sum(t.outcome == "assistant" for t in inbound)
    assert data["missed"] == sum(t.outcome == "missed" for t in inbound)
    assert data["repeated_calls"] == sum(t.repeated for t in inbound)
    assert data["internal_calls"] == sum(t.kind == "internal" for t in cdr.truth)
    assert data["outbound_calls"] == sum(t.kind == "outbound" for t in cdr.truth)
    assert data["missed_in_opening_hours"] + data["missed_after_hours"] == data["missed"]
    assert len(data["per_day"]) == 91
