"""The example handbook against its question set (tests/knowledge/questions.yaml, written
by someone who had not seen the answering code): 252 questions it answers, half in a
recogniser's style, and 50 it does not.

The issue's goals are no wrong answer, 90 % of the answerable answered and every
unanswerable refused. The last holds; the others do not yet (see README, "Answers from
documents"): these thresholds keep what is reached from slipping back.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.config import example_profile_data
from agent.knowledge.evaluate import evaluate, load_questions
from agent.knowledge.index import KnowledgeIndex

QUESTIONS = Path(__file__).parent / "questions.yaml"


@pytest.fixture(scope="module")
def summary() -> dict[str, object]:
    folder = Path(example_profile_data()["business"]["knowledge"]["dir"])
    index = KnowledgeIndex(folder, "de").build()
    return evaluate(index, load_questions(QUESTIONS)).summary()


def test_the_set_is_as_large_as_asked(summary: dict[str, object]) -> None:
    assert summary["answerable"] >= 120 and summary["unanswerable"] >= 40, summary


def test_every_unanswerable_question_is_refused(summary: dict[str, object]) -> None:
    assert summary["unanswerable_refused_share"] == 1.0, summary


def test_wrong_answers_stay_rare(summary: dict[str, object]) -> None:
    assert summary["answered_wrongly"] <= 11, summary  # goal: 0


def test_answered_share_does_not_slip_back(summary: dict[str, object]) -> None:
    assert summary["answered_correctly"] >= 80, summary  # goal: 90 % of 252
