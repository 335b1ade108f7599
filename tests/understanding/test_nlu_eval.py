"""Scoring intent recognition: accuracy, per-intent P/R/F1, confusions, the JSON shape."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from agent.understanding.entities import extract_entities
from agent.understanding.evaluate import (
    Outcome,
    evaluate_backend,
    format_evaluation,
    score,
)
from agent.understanding.nlu import IntentScore, NluBackend, Parse
from agent.understanding.training_data import Example

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))


def outcome(expected: str, predicted: str, confidence: float = 0.9, text: str = "") -> Outcome:
    return Outcome(text or f"{expected}->{predicted}", expected, predicted, confidence)


def test_metrics_by_hand() -> None:
    # 10 examples: a 4 (3 right, 1 -> b), b 4 (2 right, 2 -> a), c 2 (both right)
    results = (
        [outcome("a", "a")] * 3
        + [outcome("a", "b", 0.4)]
        + [outcome("b", "b")] * 2
        + [outcome("b", "a", 0.5)] * 2
        + [outcome("c", "c")] * 2
    )
    ev = score(results)
    assert (ev.n, ev.correct, ev.accuracy) == (10, 7, 0.7)
    a, b, c = ev.per_intent["a"], ev.per_intent["b"], ev.per_intent["c"]
    assert (a.precision, a.recall, a.support, a.predicted) == (0.6, 0.75, 4, 5)
    assert a.f1 == pytest.approx(2 * 0.6 * 0.75 / 1.35)
    assert (b.precision, b.recall, b.support) == (2 / 3, 0.5, 4)
    assert (c.precision, c.recall, c.f1) == (1.0, 1.0, 1.0)
    assert ev.macro_f1 == pytest.approx((a.f1 + b.f1 + c.f1) / 3)
    assert [(x.expected, x.predicted, x.count) for x in ev.confusions] == [
        ("b", "a", 2),
        ("a", "b", 1),
    ]
    assert len(ev.errors) == 3
    assert ev.mean_confidence_correct == pytest.approx(0.9)
    assert ev.mean_confidence_wrong == pytest.approx((0.4 + 0.5 + 0.5) / 3)


def test_an_intent_only_predicted_has_no_support() -> None:
    ev = score([outcome("a", "a"), outcome("a", "nlu_fallback", 0.0)])
    fallback = ev.per_intent["nlu_fallback"]
    assert (fallback.support, fallback.precision, fallback.recall, fallback.f1) == (0, 0, 0, 0)
    assert ev.macro_f1 == pytest.approx(ev.per_intent["a"].f1)  # only labelled intents count


def test_confusions_are_capped_and_keep_examples() -> None:
    results = [outcome("x", f"y{i}") for i in range(5)] + [
        outcome("x", "y0", text=f"t{i}") for i in range(4)
    ]
    ev = score(results, top_confusions=2)
    assert len(ev.confusions) == 2
    top = ev.confusions[0]
    assert (top.predicted, top.count, len(top.examples)) == ("y0", 5, 3)


def test_nothing_to_score() -> None:
    ev = score([])
    assert (ev.n, ev.accuracy, ev.macro_f1, ev.per_intent, ev.confusions) == (0, 0.0, 0.0, {}, ())
    assert ev.mean_confidence_correct is None and ev.latency_ms == {}
    json.dumps(ev.to_json())


def test_json_shape() -> None:
    results = [
        Outcome("hallo", "greet", "greet", 0.91234, "nlu.yml:3", ms=1.5),
        Outcome("tschüss", "goodbye", "greet", 0.55, "nlu.yml:4", ms=2.5),
    ]
    data = score(results).to_json()
    assert json.loads(json.dumps(data)) == data
    assert isinstance(data["accuracy"], float) and data["accuracy"] == 0.5
    assert isinstance(data["n"], int) and data["n"] == 2
    assert data["per_intent"]["greet"] == {
        "precision": 0.5,
        "recall": 1.0,
        "f1": 0.6667,
        "support": 1,
    }
    assert data["confusions"] == [
        {"expected": "goodbye", "predicted": "greet", "count": 1, "examples": ["tschüss"]}
    ]
    assert data["errors"] == [
        {
            "text": "tschüss",
            "expected": "goodbye",
            "predicted": "greet",
            "confidence": 0.55,
            "source": "nlu.yml:4",
        }
    ]
    assert data["latency_ms"] == {"p50": 1.5, "p99": 2.5}
    assert data["mean_confidence"] == {"correct": 0.9123, "wrong": 0.55}


def test_latency_percentiles_are_nearest_rank() -> None:
    results = [Outcome(str(i), "a", "a", 1.0, ms=float(i)) for i in range(1, 201)]
    assert score(results).latency_ms == {"p50": 100.0, "p99": 198.0}


def test_the_text_report() -> None:
    ev = score([outcome("a", "a"), outcome("b", "a", 0.3, text="wrong one")])
    report = format_evaluation(ev)
    assert report.startswith("accuracy 50.0% (1/2)")
    assert "b -> a (0.30): wrong one" in report
    assert "  1  b -> a" in report
    assert "wrong one" not in format_evaluation(ev, max_errors=0)


class KeywordNlu:
    """A real NluBackend: intents from keywords, entities from the real extractors."""

    name = "keywords"

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, datetime]] = []

    async def parse(self, text: str, *, language: str, now: datetime) -> Parse:
        self.calls.append((text, language, now))
        intent = "book_appointment" if "termin" in text else "greet"
        score = IntentScore(intent, 0.8)
        entities = tuple(extract_entities(text, language, now))
        return Parse(text, score, (score,), entities, backend=self.name)


async def test_evaluate_any_backend() -> None:
    backend = KeywordNlu()
    checked: NluBackend = backend
    examples = [
        Example("termin morgen", "book_appointment", source="t.yml:1"),
        Example("hallo", "greet", source="t.yml:2"),
        Example("ich möchte absagen", "cancel_appointment", source="t.yml:3"),
    ]
    seen: list[tuple[int, int]] = []
    ev = await evaluate_backend(
        checked, examples, language="de", now=NOW, progress=lambda i, n: seen.append((i, n))
    )
    assert [c[0] for c in backend.calls] == [e.text for e in examples]
    assert all(c[1:] == ("de", NOW) for c in backend.calls)
    assert seen == [(1, 3), (2, 3), (3, 3)]
    assert (ev.n, ev.correct) == (3, 2)
    assert ev.errors[0].source == "t.yml:3" and ev.errors[0].predicted == "greet"
    assert set(ev.latency_ms) == {"p50", "p99"}
