"""``rufbereit analyse`` as an admin runs it: the JSON the issue names, the text, the
gain's assumptions from the profile or the command line, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.cli import main

ROWS = [
    # answered by a person in opening hours (Monday 9:00, Berlin)
    '"","01711234567","0891234567","from-trunk","","PJSIP/trunk-01","PJSIP/101-02","Dial",'
    '"PJSIP/101,20","2026-06-01 09:00:00","2026-06-01 09:00:05","2026-06-01 09:03:00",180,175,'
    '"ANSWERED","DOCUMENTATION","100.1",""',
    # missed in opening hours: the ring group rang out
    '"","0897654321","0891234567","from-trunk","","PJSIP/trunk-03","PJSIP/101-04","Dial",'
    '"PJSIP/101&PJSIP/102,20","2026-06-01 10:00:00","","2026-06-01 10:00:20",20,0,'
    '"NO ANSWER","DOCUMENTATION","100.3",""',
    '"","0897654321","0891234567","from-trunk","","PJSIP/trunk-03","PJSIP/102-05","Dial",'
    '"PJSIP/101&PJSIP/102,20","2026-06-01 10:00:00","","2026-06-01 10:00:20",20,0,'
    '"NO ANSWER","DOCUMENTATION","100.3",""',
    # missed after hours: voicemail
    '"","017099999","0891234567","from-trunk","","PJSIP/trunk-06","","VoiceMail",'
    '"100@default,u","2026-06-02 20:00:00","2026-06-02 20:00:01","2026-06-02 20:00:40",40,39,'
    '"ANSWERED","DOCUMENTATION","100.6",""',
    # answered by the assistant
    '"","01761111111","0891234567","rufbereit","","PJSIP/trunk-07","WebSocket/rufbereit-08",'
    '"Stasis","rufbereit,inbound,0891234567","2026-06-02 21:00:00","2026-06-02 21:00:01",'
    '"2026-06-02 21:02:00",120,119,"ANSWERED","DOCUMENTATION","100.7",""',
    # internal: left out
    '"","101","102","from-internal","","PJSIP/101-09","PJSIP/102-10","Dial","PJSIP/102,20",'
    '"2026-06-01 11:00:00","2026-06-01 11:00:03","2026-06-01 11:01:00",60,57,"ANSWERED",'
    '"DOCUMENTATION","100.9",""',
]


@pytest.fixture
def cdr(tmp_path: Path) -> Path:
    path = tmp_path / "Master.csv"
    path.write_text("\n".join(ROWS) + "\n", encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["analyse", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_has_the_figures_the_owner_asked_for(
    cdr: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "--cdr", str(cdr), "--from", "2026-06-01", "--to", "2026-06-02", "--json"
    )
    assert code == 0
    data = json.loads(out)
    assert {
        k: data[k]
        for k in (
            "inbound_calls",
            "answered_by_person",
            "answered_by_assistant",
            "missed",
            "missed_in_opening_hours",
            "missed_after_hours",
            "callers_never_reached",
        )
    } == {
        "inbound_calls": 4,
        "answered_by_person": 1,
        "answered_by_assistant": 1,
        "missed": 2,
        "missed_in_opening_hours": 1,
        "missed_after_hours": 1,
        "callers_never_reached": 2,
    }
    assert data["missed_share"] == 0.5
    assert data["internal_calls"] == 1
    assert data["missed_by_reason"] == {"no_answer": 1, "voicemail": 1}
    # the example profile's economics price the missed calls
    assert data["gain"]["assumptions"]["average_order_value"] == 850


def test_the_command_line_sets_the_owners_numbers(
    cdr: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys,
        "--cdr",
        str(cdr),
        "--json",
        "--order-value",
        "1000",
        "--close-rate",
        "0.5",
        "--new-customers",
        "0.5",
        "--monthly-cost",
        "0",
    )
    gain = json.loads(out)["gain"]
    assert code == 0
    # 2 missed in 2 days -> 30.4 a month x 0.5 x 0.5 x 1000
    assert gain["revenue_lost_per_month"] == pytest.approx(365.25 / 12 * 0.25 * 1000, abs=0.01)
    assert gain["return_on_cost"] is None


def test_the_text_names_each_step_and_the_period(
    cdr: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--cdr", str(cdr))
    assert code == 0
    assert "2026-06-01 – 2026-06-02" in out
    assert "Annahme 40 %" in out and "Annahme 35 %" in out
    assert "Anrufer, die nie durchkamen" in out


def test_the_before_after_table_with_go_live(
    cdr: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # No database here: the CDR half of the table stands, the rest says why it is missing.
    monkeypatch.setenv("RUFBEREIT_DATABASE_URL", "postgresql://nobody@127.0.0.1:9/none")
    code, out, _ = run(capsys, "--cdr", str(cdr), "--go-live", "2026-06-02", "--json")
    c = json.loads(out)["comparison"]
    assert code == 0
    assert (c["before"]["since"], c["before"]["until"]) == ("2026-06-01", "2026-06-01")
    assert c["before"]["reachability"] == 0.5 and c["after"]["reachability"] == 0.5
    assert c["after"]["answered_by_assistant"] == 1
    assert c["after"]["bookings"] is None and "could not be read" in c["records_note"]


def test_unreadable_records_and_bad_options_are_clear(
    tmp_path: Path, cdr: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "--cdr", str(tmp_path / "missing.csv"))
    assert code == 2 and "cannot read" in err
    code, _, err = run(capsys, "--cdr", str(cdr), "--internal", "([")
    assert code == 2 and "--internal is not a regular expression" in err
    code, _, err = run(capsys, "--cdr", str(cdr), "--from", "2026-06-03", "--to", "2026-06-01")
    assert code == 2 and "--to is before --from" in err
