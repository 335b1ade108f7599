"""The owner's one-page report, rendered by a real headless Chromium: it prints on one
A4 page, shows the figures and the gain's assumptions, and its pictures are there.

The PDF and a screenshot are kept as artifacts in ``$RUFBEREIT_ARTIFACTS`` (default
``build/artifacts``) for a person to look at."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pypdf
import pytest

from agent.cli import main
from tests.support.browser import artifacts, print_pdf, screenshot
from tests.support.cdr_synthetic import generate

pytestmark = pytest.mark.slow


def test_the_report_prints_on_one_page_with_its_figures_and_assumptions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cdr = tmp_path / "Master.csv"
    generate(date(2026, 6, 1), 91, assistant_from=date(2026, 8, 1)).write(cdr)
    html = tmp_path / "erreichbarkeit.html"
    assert (
        main(["analyse", "--cdr", str(cdr), "--go-live", "2026-08-01", "--report", str(html)]) == 0
    )
    capsys.readouterr()
    page = html.read_text(encoding="utf-8")
    assert page.count('src="data:image/png;base64,') == 2  # heatmap and daily bars, inline

    pdf = print_pdf(html, artifacts() / "analyse-report.pdf")
    png = screenshot(html, artifacts() / "analyse-report.png")

    reader = pypdf.PdfReader(pdf)
    assert len(reader.pages) == 1, "the report must print on one page"
    text = " ".join(reader.pages[0].extract_text().split())
    for words in (
        "Erreichbarkeit · Müller Sanitär GmbH",
        "Anrufer, die nie durchkamen",
        "Annahme: 40 %",  # new customers, from business.economics
        "Annahme: 35 %",  # close rate
        "Ø 850 € je Auftrag",
        "vor dem Start des Assistenten",  # the gain is measured before go-live
        "VORHER UND NACHHER",  # capitals by CSS
    ):
        assert words in text, f"{words!r} not on the printed page:\n{text[:1500]}"
    assert png.stat().st_size > 50_000  # a rendered page, not a blank one
