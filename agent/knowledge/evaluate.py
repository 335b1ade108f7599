"""How well the documents answer: a question set against a folder, in four counts.

    python -m agent.knowledge.evaluate tests/knowledge/questions.yaml \
        --docs agent/profiles/knowledge/mueller-sanitaer --json bench/results.json

The question file (YAML) has ``answerable`` questions, each with the words the answer
must hold (``expect``: every item must be in the answer; ``a|b`` accepts either), and
``unanswerable`` ones. Counts: answered correctly, answered wrongly (an answer without
the expected words, or any answer to an unanswerable question), refused though
answerable, refused correctly. Also the time to answer (p50/p95) over the set and over
the same questions against the folder grown to ``--pages`` pages of other text, because
the caller waits for it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .answer import DEFAULT_MIN_CONFIDENCE, KnowledgeAnswer, ask
from .index import KnowledgeIndex


@dataclass(frozen=True, slots=True)
class Question:
    text: str
    expect: tuple[str, ...] = ()
    answerable: bool = True
    style: str = "written"


@dataclass(slots=True)
class Result:
    question: Question
    answer: KnowledgeAnswer
    ms: float

    @property
    def verdict(self) -> str:
        given = self.answer.text
        if not self.question.answerable:
            return "refused_correctly" if given is None else "answered_wrongly"
        if given is None:
            return "refused_but_answerable"
        said = " ".join(given.lower().split())
        ok = all(any(alt.lower() in said for alt in e.split("|")) for e in self.question.expect)
        return "answered_correctly" if ok else "answered_wrongly"


@dataclass(slots=True)
class Evaluation:
    results: list[Result] = field(default_factory=list)

    def count(self, verdict: str) -> int:
        return sum(1 for r in self.results if r.verdict == verdict)

    def summary(self) -> dict[str, Any]:
        answerable = [r for r in self.results if r.question.answerable]
        unanswerable = [r for r in self.results if not r.question.answerable]
        ms = sorted(r.ms for r in self.results)
        right, refused = self.count("answered_correctly"), self.count("refused_correctly")
        by_style = {
            style: {
                "answerable": sum(1 for r in answerable if r.question.style == style),
                "answered_correctly": sum(
                    1 for r in answerable
                    if r.question.style == style and r.verdict == "answered_correctly"
                ),
            }
            for style in sorted({r.question.style for r in self.results})
        }  # fmt: skip
        return {
            "questions": len(self.results),
            "answerable": len(answerable),
            "unanswerable": len(unanswerable),
            "answered_correctly": self.count("answered_correctly"),
            "answered_wrongly": self.count("answered_wrongly"),
            "refused_but_answerable": self.count("refused_but_answerable"),
            "refused_correctly": self.count("refused_correctly"),
            "answerable_answered_share": _share(right, len(answerable)),
            "unanswerable_refused_share": _share(refused, len(unanswerable)),
            "by_style": by_style,
            "answer_ms_p50": round(statistics.median(ms), 2) if ms else None,
            "answer_ms_p95": round(_p95(ms), 2) if ms else None,
        }


def _share(n: int, of: int) -> float | None:
    return round(n / of, 3) if of else None


def _p95(sorted_ms: list[float]) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, round(0.95 * (len(sorted_ms) - 1)))]


HALVES = ("tuning", "held-out")


def half_of(question: Question) -> str:
    """The fixed half a question belongs to (by a hash of its text, not by its topic): rules
    are tuned looking at the "tuning" half only, and the "held-out" half tells whether
    they hold for questions nobody looked at."""
    digest = hashlib.sha256(question.text.encode("utf-8")).digest()
    return HALVES[digest[0] % 2]


def load_questions(path: Path) -> list[Question]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out = [
        Question(q["q"], tuple(str(e) for e in q.get("expect", [])), True,
                 q.get("style", "written"))
        for q in data.get("answerable", [])
    ]  # fmt: skip
    out += [
        Question(q["q"] if isinstance(q, dict) else q, (), False,
                 q.get("style", "written") if isinstance(q, dict) else "written")
        for q in data.get("unanswerable", [])
    ]  # fmt: skip
    return out


def evaluate(index: KnowledgeIndex, questions: list[Question],
             min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> Evaluation:  # fmt: skip
    ev = Evaluation()
    for q in questions:
        start = time.perf_counter()
        found = ask(index, q.text, min_confidence=min_confidence)
        ev.results.append(Result(q, found, (time.perf_counter() - start) * 1000))
    return ev


def grown_folder(docs: Path, pages: int, into: Path, seed: int = 7) -> Path:
    """``docs`` plus other pages up to ``pages`` pages (about 400 words each) of shuffled
    sentences of the documents, with numbers changed: realistic words, a realistic
    vocabulary, and much more to search."""
    index = KnowledgeIndex(docs, "de").build()
    sentences = [p.text for p in index.passages]
    rnd = random.Random(seed)
    for f in docs.iterdir():
        if f.is_file():
            (into / f.name).write_bytes(f.read_bytes())
    have = max(1, sum(len(p.text.split()) for p in index.passages) // 400)
    for n in range(max(0, pages - have)):
        body: list[str] = []
        while sum(len(s.split()) for s in body) < 400:
            s = rnd.choice(sentences)
            body.append("".join(str(rnd.randint(1, 9)) if ch.isdigit() else ch for ch in s))
        (into / f"seite-{n:04d}.md").write_text(f"# Seite {n}\n\n" + "\n\n".join(body) + "\n")
    return into


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m agent.knowledge.evaluate")
    p.add_argument("questions", type=Path)
    p.add_argument("--docs", type=Path, required=True)
    p.add_argument("--lang", default="de")
    p.add_argument("--pages", type=int, default=500, help="time also against this many pages")
    p.add_argument("--json", type=Path, help="merge the results into this JSON file")
    p.add_argument("--show", action="store_true", help="print every wrong or refused answer")
    p.add_argument("--half", choices=HALVES, help="only this half of the questions")
    args = p.parse_args(argv)
    questions = load_questions(args.questions)
    if args.half:
        questions = [q for q in questions if half_of(q) == args.half]
    index = KnowledgeIndex(args.docs, args.lang).build()
    ev = evaluate(index, questions)
    summary = ev.summary()
    summary["passages"] = len(index.passages)
    if not args.half:
        summary["halves"] = {
            half: Evaluation([r for r in ev.results if half_of(r.question) == half]).summary()
            for half in HALVES
        }
    if args.pages:
        with tempfile.TemporaryDirectory() as tmp:
            big = KnowledgeIndex(grown_folder(args.docs, args.pages, Path(tmp)), args.lang)
            big.build()
            timed = evaluate(big, questions).summary()
        summary["at_pages"] = {"pages": args.pages, "passages": len(big.passages),
                               "answer_ms_p50": timed["answer_ms_p50"],
                               "answer_ms_p95": timed["answer_ms_p95"]}  # fmt: skip
    for r in ev.results:
        if args.show and r.verdict in ("answered_wrongly", "refused_but_answerable"):
            print(f"{r.verdict}: {r.question.text!r} -> {r.answer.text!r} "
                  f"({r.answer.reason}, {r.answer.confidence:.2f}, missing {r.answer.missing}, "
                  f"expect {r.question.expect})")  # fmt: skip
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    if args.json:
        results = json.loads(args.json.read_text()) if args.json.exists() else {}
        results["knowledge"] = summary
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    return 0 if summary["answered_wrongly"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
