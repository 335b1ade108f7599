"""The report's words: every figure with its label, rows left out when there is nothing
to say, the revenue only with the owner's assumptions, English too; and a clear word
when it cannot be sent."""

from __future__ import annotations

from datetime import date

import pytest

from agent.cli import main
from agent.profile import Economics
from agent.report.figures import OUTCOMES, ReportFigures
from agent.report.render import render

pytestmark = pytest.mark.usefixtures("restore_logging")


def figures(**changes: object) -> ReportFigures:
    base: dict[str, object] = {
        "since": date(2026, 11, 23), "until": date(2026, 11, 23), "calls_answered": 12,
        "after_hours": 5, "by_outcome": dict.fromkeys(OUTCOMES, 0) | {"resolved": 10,
        "handed_over": 2}, "per_hour": [dict.fromkeys(OUTCOMES, 0) for _ in range(24)],
        "appointments_booked": 3, "leads": 2, "orders": 1, "messages": 0,
        "callbacks_requested": 1, "callbacks_open": 4, "emergencies": 0,
        "emergencies_acknowledged": 0, "ack_seconds_median": None, "ack_seconds_max": None,
        "privacy_requests": 0,
    }  # fmt: skip
    return ReportFigures.model_validate(base | changes)


def test_the_daily_text_names_every_figure_and_leaves_out_empty_rows() -> None:
    text = render(figures(), "Müller Sanitär GmbH", "de").text
    assert text.startswith("Tagesbericht Müller Sanitär GmbH · 23.11.2026\n")
    for line in ("Anrufe angenommen", "davon außerhalb der Öffnungszeiten", "Termine gebucht",
                 "offene Rückrufe (insgesamt)"):  # fmt: skip
        assert line in text
    assert "Zeit bis zur Bestätigung" not in text  # no emergency: no acknowledgement row
    assert "Rückruf vereinbart" not in text  # an outcome nobody had
    assert "Für eine Umsatzschätzung fehlen die Annahmen" in text


def test_the_revenue_estimate_shows_its_assumptions_and_a_week_its_span() -> None:
    owner = Economics(average_order_value=1200, close_rate=0.25, new_customer_share=0.5)
    f = figures(until=date(2026, 11, 29), assumptions=owner, estimated_revenue=600.0,
                emergencies=1, emergencies_acknowledged=1, ack_seconds_median=75.0,
                ack_seconds_max=75.0)  # fmt: skip
    report = render(f, "Müller", "en", weekly=True)
    assert report.subject == "Weekly report Müller · 2026-11-23 – 2026-11-29"
    assert "Estimated revenue from the leads: 600 €" in report.text
    assert "close rate 25 % × average order value 1,200 €" in report.text
    assert "1:15 min / 1:15 min" in report.text
    assert "cid:chart" in report.html


def test_sending_without_smtp_says_what_to_set(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--send"]) == 2
    err = capsys.readouterr().err
    assert "no SMTP server: set smtp.host and smtp.sender" in err
