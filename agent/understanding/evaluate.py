"""How well a backend recognises intents: accuracy, per-intent P/R/F1, confusions.

:func:`score` is pure (expected/predicted pairs in, :class:`Evaluation` out);
:func:`evaluate_backend` runs any :class:`~agent.understanding.nlu.NluBackend`
over labelled examples (e.g. a held-out ``test.yml``) and scores it, so the
embedded classifier and a Rasa server are measured the same way.
"""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from agent.understanding.nlu import NluBackend
from agent.understanding.training_data import Example

__all__ = [
    "Confusion",
    "Evaluation",
    "IntentMetrics",
    "Outcome",
    "evaluate_backend",
    "format_evaluation",
    "score",
]


@dataclass(frozen=True, slots=True)
class Outcome:
    """One labelled example and what the backend made of it."""

    text: str
    expected: str
    predicted: str
    confidence: float
    source: str = ""
    ms: float = 0.0

    @property
    def correct(self) -> bool:
        return self.expected == self.predicted


@dataclass(frozen=True, slots=True)
class IntentMetrics:
    precision: float
    recall: float
    f1: float
    support: int  # examples labelled with this intent
    predicted: int  # examples the backend gave this intent

    def to_json(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "support": self.support,
        }


@dataclass(frozen=True, slots=True)
class Confusion:
    """``count`` examples of ``expected`` were recognised as ``predicted``."""

    expected: str
    predicted: str
    count: int
    examples: tuple[str, ...]  # up to three texts

    def to_json(self) -> dict[str, Any]:
        return {
            "expected": self.expected,
            "predicted": self.predicted,
            "count": self.count,
            "examples": list(self.examples),
        }


@dataclass(frozen=True)
class Evaluation:
    accuracy: float
    n: int
    per_intent: Mapping[str, IntentMetrics]
    confusions: tuple[Confusion, ...]  # most frequent first
    errors: tuple[Outcome, ...]  # every misrecognised example, in input order
    macro_f1: float
    mean_confidence_correct: float | None = None
    mean_confidence_wrong: float | None = None
    latency_ms: Mapping[str, float] = field(default_factory=dict)  # p50, p99 (if measured)

    @property
    def correct(self) -> int:
        return self.n - len(self.errors)

    def to_json(self) -> dict[str, Any]:
        """``{"accuracy": float, "n": int, "per_intent": {...}, ...}`` for ``--json``."""
        return {
            "accuracy": round(self.accuracy, 4),
            "n": self.n,
            "correct": self.correct,
            "macro_f1": round(self.macro_f1, 4),
            "per_intent": {name: m.to_json() for name, m in self.per_intent.items()},
            "confusions": [c.to_json() for c in self.confusions],
            "errors": [
                {
                    "text": e.text,
                    "expected": e.expected,
                    "predicted": e.predicted,
                    "confidence": round(e.confidence, 4),
                    "source": e.source,
                }
                for e in self.errors
            ],
            "mean_confidence": {
                "correct": _round(self.mean_confidence_correct),
                "wrong": _round(self.mean_confidence_wrong),
            },
            "latency_ms": {k: round(v, 3) for k, v in self.latency_ms.items()},
        }


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 4)


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


def _percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def score(outcomes: Iterable[Outcome], *, top_confusions: int = 10) -> Evaluation:
    """Score outcomes. Intents that were only predicted get support 0 (and precision 0)."""
    results = list(outcomes)
    n = len(results)
    expected = Counter(o.expected for o in results)
    predicted = Counter(o.predicted for o in results)
    hits = Counter(o.expected for o in results if o.correct)
    per_intent: dict[str, IntentMetrics] = {}
    for name in sorted(set(expected) | set(predicted)):
        p = _ratio(hits[name], predicted[name])
        r = _ratio(hits[name], expected[name])
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        per_intent[name] = IntentMetrics(p, r, f1, expected[name], predicted[name])
    pairs: dict[tuple[str, str], list[str]] = defaultdict(list)
    for o in results:
        if not o.correct:
            pairs[(o.expected, o.predicted)].append(o.text)
    confusions = sorted(
        (Confusion(e, p, len(texts), tuple(texts[:3])) for (e, p), texts in pairs.items()),
        key=lambda c: (-c.count, c.expected, c.predicted),
    )[:top_confusions]
    labelled = [m for m in per_intent.values() if m.support]
    right = [o.confidence for o in results if o.correct]
    wrong = [o.confidence for o in results if not o.correct]
    timed = [o.ms for o in results if o.ms > 0]
    latency = {"p50": _percentile(timed, 50), "p99": _percentile(timed, 99)} if timed else {}
    return Evaluation(
        accuracy=_ratio(sum(hits.values()), n),
        n=n,
        per_intent=per_intent,
        confusions=tuple(confusions),
        errors=tuple(o for o in results if not o.correct),
        macro_f1=sum(m.f1 for m in labelled) / len(labelled) if labelled else 0.0,
        mean_confidence_correct=sum(right) / len(right) if right else None,
        mean_confidence_wrong=sum(wrong) / len(wrong) if wrong else None,
        latency_ms=latency,
    )


async def evaluate_backend(
    backend: NluBackend,
    examples: Iterable[Example],
    *,
    language: str,
    now: datetime,
    top_confusions: int = 10,
    progress: Callable[[int, int], None] | None = None,
) -> Evaluation:
    """Parse every example with ``backend`` and score the intents (one parse at a time)."""
    todo = list(examples)
    outcomes = []
    for i, example in enumerate(todo, start=1):
        started = time.perf_counter()
        parse = await backend.parse(example.text, language=language, now=now)
        ms = (time.perf_counter() - started) * 1000
        outcomes.append(
            Outcome(
                text=example.text,
                expected=example.intent,
                predicted=parse.intent.name,
                confidence=parse.intent.confidence,
                source=example.source,
                ms=ms,
            )
        )
        if progress is not None:
            progress(i, len(todo))
    return score(outcomes, top_confusions=top_confusions)


def format_evaluation(ev: Evaluation, *, max_errors: int = 20) -> str:
    """A plain-text report for the terminal."""
    lines = [
        f"accuracy {ev.accuracy:.1%} ({ev.correct}/{ev.n}), macro F1 {ev.macro_f1:.3f}",
        "",
        f"{'intent':<26}{'precision':>10}{'recall':>8}{'f1':>7}{'support':>9}",
    ]
    for name, m in ev.per_intent.items():
        flag = "  <" if m.support and m.f1 < 0.9 else ""
        lines.append(
            f"{name:<26}{m.precision:>10.3f}{m.recall:>8.3f}{m.f1:>7.3f}{m.support:>9}{flag}"
        )
    if ev.confusions:
        lines += ["", "most frequent confusions (expected -> recognised):"]
        for c in ev.confusions:
            lines.append(f"  {c.count:>3}  {c.expected} -> {c.predicted}")
    if ev.errors and max_errors > 0:
        lines += ["", f"misrecognised examples ({min(len(ev.errors), max_errors)} shown):"]
        for e in ev.errors[:max_errors]:
            where = f"  [{e.source}]" if e.source else ""
            lines.append(f"  {e.expected} -> {e.predicted} ({e.confidence:.2f}): {e.text}{where}")
    if ev.mean_confidence_correct is not None:
        wrong = (
            f", wrong {ev.mean_confidence_wrong:.2f}"
            if ev.mean_confidence_wrong is not None
            else ""
        )
        lines += ["", f"mean confidence: right {ev.mean_confidence_correct:.2f}{wrong}"]
    if ev.latency_ms:
        lines.append(
            f"parse latency: p50 {ev.latency_ms['p50']:.2f} ms, p99 {ev.latency_ms['p99']:.2f} ms"
        )
    return "\n".join(lines)
