"""`simulate`: replaying scripted callers, in-process and as a command."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from agent.config import load_settings
from agent.dialogue.simulate import add_simulate_command, main, parse_line

SCRIPTS = Path(__file__).parent / "scripts"
REPO = Path(__file__).resolve().parents[2]
Check = Callable[[dict[str, Any]], None]


def _said(result: dict[str, Any]) -> str:
    return "\n".join(t["text"] for t in result["transcript"] if t["who"] == "assistant")


def _types(result: dict[str, Any]) -> list[str]:
    """Each action's type; a saved record by its own type ('Save:Message')."""
    return [a["type"] + (f":{a['record']}" if "record" in a else "") for a in result["actions"]]


def check_appointment_de(r: dict[str, Any]) -> None:
    [appt] = r["records"]["appointments"]
    assert appt["start"] == "2026-11-26T10:00:00+01:00" and appt["name"] == "Anna Schmidt"
    assert _types(r) == ["BookAppointment"] and r["end"] == "hangup"


def check_appointment_en(r: dict[str, Any]) -> None:
    [appt] = r["records"]["appointments"]
    assert appt["appointment_type"] == "Badberatung"
    assert appt["start"] == "2026-11-25T15:00:00+01:00"
    assert "Your appointment is booked." in _said(r)


def check_lead(r: dict[str, Any]) -> None:
    [lead] = r["records"]["leads"]
    assert (lead["need"], lead["budget"], lead["name"]) == ("neues Bad", "offen", "Eva Lang")


def check_faq_de(r: dict[str, Any]) -> None:
    assert "Montag bis Donnerstag" in _said(r) or "halb acht" in _said(r)
    assert "Das gehört nicht zu den Leistungen, die ich hier habe." in _said(r)
    assert "Soll ein Mitarbeiter Sie dazu zurückrufen?" in _said(r)
    [msg] = r["records"]["messages"]
    assert msg["kind"] == "callback" and msg["reason"] == "faq_unanswered"
    assert "Gartenmöbel" in msg["text"] and r["end"] == "hangup"


def check_faq_en(r: dict[str, Any]) -> None:
    assert "We are open Monday to Thursday" in _said(r)
    assert "That is not among the services I have here." in _said(r)
    assert "Shall someone from our team call you back about it?" in _said(r)
    assert r["actions"] == [] and r["end"] == "hangup"


def check_order(r: dict[str, Any]) -> None:
    [order] = r["records"]["orders"]
    lines = [(x["sku"], x["quantity"]) for x in order["lines"]]
    assert lines == [("HKV-12", 4), ("SIL-310", 3), ("DS-01", 1)]
    assert "Gartenschlauch führen wir leider nicht." in _said(r)


def check_gas(r: dict[str, Any]) -> None:
    assert _said(r).count("Bitte verlassen Sie sofort das Gebäude") == 1
    [esc] = r["records"]["escalations"]
    assert esc["kind"] == "gasgeruch" and esc["address"] == "Hauptstraße 5, München"
    assert esc["caller_number"] == "+49 171 9876543"
    assert _types(r) == ["StartEscalation"] and r["held_for_technician"]
    assert "Bitte bleiben Sie dran." in _said(r)
    assert r["transcript"][-2:] == [
        {"who": "escalation", "text": "taken by Thomas Huber"},
        {"who": "assistant", "text": "Gute Nachricht: Thomas Huber vom Notdienst hat Ihren "
         "Einsatz übernommen und ruft Sie gleich unter 0 1 7 1, 9 8 7, 6 5 4 3 zurück. "
         "Auf Wiederhören!"},
    ]  # fmt: skip
    assert r["end"] == "hangup"


def check_burst_pipe_en(r: dict[str, Any]) -> None:
    [esc] = r["records"]["escalations"]
    assert esc["kind"] == "wasserrohrbruch" and r["held_for_technician"]
    assert "Please stay on the line for a moment" in _said(r)
    assert r["transcript"][-2] == {"who": "escalation", "text": "nobody took it"}
    assert "We will keep trying" in r["transcript"][-1]["text"] and r["end"] == "hangup"


def check_tap(r: dict[str, Any]) -> None:
    assert r["records"]["escalations"] == []
    [msg] = r["records"]["messages"]
    assert msg["due"] == "2026-11-30" and msg["kind"] == "callback"


def check_handover(r: dict[str, Any]) -> None:
    [msg] = r["records"]["messages"]
    assert msg["kind"] == "message" and msg["phone"] == "0171 2345678"
    assert _types(r) == ["Save:Message"]


def check_no_match(r: dict[str, Any]) -> None:
    assert r["end"] == "handover" and _types(r) == ["Handover"]
    assert "zweimal nicht verstanden" in r["handover_summary"]


def check_topic_change(r: dict[str, Any]) -> None:
    """A question during a booking: answered, the time asked again, the booking goes on."""
    said = [t["text"] for t in r["transcript"]]
    after = said[said.index("Moment, vorher noch eine Frage: wie sind Ihre Öffnungszeiten?") :]
    assert after[after.index("Dienstag um 9") - 1] == "Wann hätten Sie Zeit?"
    assert "weitermachen" not in _said(r) and "nicht verstanden" not in _said(r)
    [appt] = r["records"]["appointments"]
    assert appt["start"] == "2026-11-24T09:00:00+01:00" and appt["name"] == "Anna Schmidt"
    assert r["transcript"][-2] == {"who": "caller", "text": "<silence>"}
    assert r["end"] == "hangup"


MONDAY_9 = "2026-11-23T09:00"
MONDAY_22 = "2026-11-23T22:00"
CASES: list[tuple[str, list[str], Check]] = [
    ("appointment_de.txt", ["--now", MONDAY_9], check_appointment_de),
    ("appointment_en.txt", ["--now", MONDAY_9, "--lang", "en"], check_appointment_en),
    ("lead_de.txt", ["--now", MONDAY_9], check_lead),
    ("faq_de.txt", ["--now", MONDAY_9], check_faq_de),
    ("faq_en.txt", ["--now", MONDAY_9, "--lang", "en"], check_faq_en),
    ("order_de.txt", ["--now", MONDAY_9], check_order),
    ("gas_emergency.txt", ["--now", MONDAY_22, "--caller", "+49 171 9876543"], check_gas),
    ("burst_pipe_en.txt", ["--now", MONDAY_22, "--caller", "+49 171 9876543", "--lang", "en"],
     check_burst_pipe_en),
    ("dripping_tap.txt", ["--now", "2026-11-27T21:00"], check_tap),
    ("handover_after_hours.txt", ["--now", MONDAY_22, "--caller", "0171 2345678"],
     check_handover),
    ("no_match_twice.txt", ["--now", MONDAY_9], check_no_match),
    ("topic_change.txt", ["--now", MONDAY_9], check_topic_change),
]  # fmt: skip


@pytest.mark.parametrize(("script", "flags", "check"), CASES, ids=[c[0] for c in CASES])
def test_scripts(
    script: str, flags: list[str], check: Check, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--backend", "rules", "--json", "--file", str(SCRIPTS / script), *flags])
    out = capsys.readouterr().out
    assert code == 0
    result = json.loads(out)
    assert set(result) >= {"transcript", "actions", "records", "end"}
    assert set(result["records"]) == {
        "appointments",
        "leads",
        "orders",
        "messages",
        "escalations",
        "privacy_requests",
    }
    check(result)


def test_parse_line() -> None:
    assert parse_line("  # a comment") is None
    assert parse_line("") is None
    assert parse_line("DTMF 1") == ("dtmf", "1")
    assert parse_line("dtmf #") == ("dtmf", "#")
    assert parse_line("...") == ("silence", "")
    assert parse_line("<silence>") == ("silence", "")
    assert parse_line("Ja, gern.") == ("text", "Ja, gern.")
    assert parse_line("/ack Thomas Huber") == ("ack", "Thomas Huber")
    assert parse_line("/ack") == ("ack", "")
    assert parse_line("/noack") == ("noack", "")


def test_plain_transcript_and_errors(capsys: pytest.CaptureFixture[str]) -> None:
    script = str(SCRIPTS / "gas_emergency.txt")
    flags = ["--backend", "rules", "--now", MONDAY_22, "--caller", "0171 2345678"]
    assert main([*flags, "--file", script]) == 0
    out = capsys.readouterr().out
    assert out.startswith("assistant: Grüß Gott")
    assert "caller:    Hilfe, bei uns im Keller riecht es nach Gas" in out
    assert '  -> {"type": "StartEscalation"' in out
    assert out.count("  [waiting for the technician: /ack NAME or /noack]") == 1
    assert "  [escalation: taken by Thomas Huber]" in out and out.endswith("[end: hangup]\n")
    assert main(["--backend", "rules", "--now", "Montag"]) == 2
    assert "--now 'Montag' is not ISO 8601" in capsys.readouterr().err
    assert main(["--backend", "nope", "--now", MONDAY_9, "--file", script]) == 2
    assert "NLU backend 'nope' is not available" in capsys.readouterr().err


def test_add_simulate_command_wires_into_a_cli() -> None:
    parser = argparse.ArgumentParser(prog="rufbereit")
    sub = parser.add_subparsers()
    add_simulate_command(sub)
    args = parser.parse_args(["simulate", "--backend", "rules", "--json", "--lang", "en"])
    assert args.backend == "rules" and args.json and args.lang == "en"
    assert callable(args.func)


def test_command_reads_stdin(tmp_path: Path) -> None:
    """The real command in a subprocess: caller lines on stdin, JSON on stdout."""
    proc = subprocess.run(
        [sys.executable, "-m", "agent.dialogue.simulate", "--backend", "rules", "--json",
         "--now", MONDAY_22],
        input="Es riecht nach Gas\nRingstraße 3\n0171 2345678\nja\n",
        capture_output=True, text=True, timeout=60, cwd=REPO,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert [a["type"] for a in result["actions"]] == ["StartEscalation"]
    assert result["held_for_technician"] and result["end"] is None  # the script stopped
    assert load_settings(env={}).business.name == "Müller Sanitär GmbH"


def test_ack_without_a_waiting_caller_is_ignored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "early_ack.txt"
    script.write_text("/ack Thomas Huber\nIch möchte einen Termin\n", encoding="utf-8")
    assert main(["--backend", "rules", "--json", "--now", MONDAY_9, "--file", str(script)]) == 0
    captured = capsys.readouterr()
    assert "/ack ignored: nobody is waiting for a technician" in captured.err
    result = json.loads(captured.out)
    assert not result["held_for_technician"]
    assert [t["who"] for t in result["transcript"]].count("escalation") == 0
