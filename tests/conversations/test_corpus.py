"""The measure of the product: whole scripted calls that must end right.

Every call of the corpus (``tests/conversations/<lang>/<scenario>.yaml``, see README.md
in this folder) is replayed through the real dialogue engine and the embedded NLU
classifier. At least 95 % of the calls of every scenario must pass, every real
emergency must escalate (or go to people during opening hours) and no other call may
escalate. A failing scenario lists its failed calls with what went wrong.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.config import load_settings
from agent.conversations.report import Report, run_corpus
from agent.conversations.script import load_corpus
from agent.understanding.backends import make_backend

HERE = Path(__file__).parent
SCENARIOS = ("appointment", "emergency", "faq", "handover", "lead", "message", "order",
             "privacy")  # fmt: skip
#: The share of a scenario's calls that must end right.
REQUIRED = 0.95


@pytest.fixture(scope="module")
def report() -> Iterator[Report]:
    import asyncio

    settings = load_settings(env={})
    nlu = make_backend("embedded", settings)
    corpus = load_corpus([HERE / "de", HERE / "en"])
    yield asyncio.run(run_corpus(corpus, settings.business, nlu))


def test_the_corpus_is_big_and_realistic(report: Report) -> None:
    calls = report.results
    german = [r for r in calls if r.language == "de"]
    assert len(calls) >= 200 and len(german) >= 170 and len(calls) - len(german) >= 30
    assert sum(r.call.style == "asr" for r in calls) * 2 >= len(calls)
    assert {r.scenario for r in calls} == set(SCENARIOS)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario_calls_end_right(report: Report, scenario: str) -> None:
    results = [r for r in report.results if r.scenario == scenario]
    failed = [r for r in results if not r.passed]
    share = 1 - len(failed) / len(results)
    detail = "\n".join(f"{r.language}/{r.call.id}: {'; '.join(r.problems)}" for r in failed)
    assert share >= REQUIRED, f"{scenario}: {share:.1%} of {len(results)} calls\n{detail}"


def test_every_real_emergency_escalates_and_nothing_else(report: Report) -> None:
    e = report.emergencies()
    assert e["escalated"] == e["expected_escalations"], e
    assert e["false_escalations"] == 0, e
    to_people = [
        r for r in report.results
        if (r.call.expect.handover or {}).get("reason") == "emergency"
    ]  # fmt: skip
    assert to_people and all(
        any(a["type"] == "Handover" and a["reason"] == "emergency" for a in r.outcome.actions)
        for r in to_people
    )
