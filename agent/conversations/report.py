"""Running a corpus and summing it up: success per scenario and overall, as a table and JSON."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from agent.profile import BusinessProfile
from agent.understanding.nlu import NluBackend

from .checks import check
from .replay import Outcome, replay
from .script import CorpusFile, ScriptedCall


@dataclass
class CallResult:
    scenario: str
    language: str
    call: ScriptedCall
    outcome: Outcome
    problems: list[str]

    @property
    def passed(self) -> bool:
        return not self.problems

    def as_dict(self, transcript: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.call.id,
            "scenario": self.scenario,
            "language": self.language,
            "style": self.call.style,
            "passed": self.passed,
            "problems": self.problems,
            "end": self.outcome.end,
        }
        if transcript or not self.passed:
            data["transcript"] = [f"{who}: {text}" for who, text in self.outcome.lines]
        return data


@dataclass
class Tally:
    calls: int = 0
    passed: int = 0

    @property
    def share(self) -> float:
        return self.passed / self.calls if self.calls else 0.0


@dataclass
class Report:
    results: list[CallResult] = field(default_factory=list)
    seconds: float = 0.0

    def by_scenario(self) -> dict[str, Tally]:
        out: dict[str, Tally] = {}
        for r in self.results:
            t = out.setdefault(r.scenario, Tally())
            t.calls += 1
            t.passed += r.passed
        return dict(sorted(out.items()))

    def by(self, attr: str) -> dict[str, Tally]:
        out: dict[str, Tally] = {}
        for r in self.results:
            key = getattr(r, attr, None) or getattr(r.call, attr)
            t = out.setdefault(str(key), Tally())
            t.calls += 1
            t.passed += r.passed
        return dict(sorted(out.items()))

    def overall(self) -> Tally:
        return Tally(len(self.results), sum(r.passed for r in self.results))

    def emergencies(self) -> dict[str, int]:
        """Real emergencies (expected to escalate or go to people) and how they ended."""
        expected = [r for r in self.results if r.call.expect.escalations]
        not_expected = [r for r in self.results if not r.call.expect.escalations]
        return {
            "expected_escalations": len(expected),
            "escalated": sum(bool(r.outcome.records.get("escalations")) for r in expected),
            "false_escalations": sum(
                bool(r.outcome.records.get("escalations")) for r in not_expected
            ),
        }

    def as_dict(self, transcripts: bool = False) -> dict[str, Any]:
        def tally(t: Tally) -> dict[str, Any]:
            return {"calls": t.calls, "passed": t.passed, "share": round(t.share, 4)}

        return {
            "overall": tally(self.overall()),
            "scenarios": {k: tally(v) for k, v in self.by_scenario().items()},
            "languages": {k: tally(v) for k, v in self.by("language").items()},
            "styles": {k: tally(v) for k, v in self.by("style").items()},
            "emergencies": self.emergencies(),
            "seconds": round(self.seconds, 2),
            "calls": [r.as_dict(transcripts) for r in self.results],
        }

    def table(self) -> str:
        rows = [("scenario", "calls", "passed", "share")]
        for name, t in self.by_scenario().items():
            rows.append((name, str(t.calls), str(t.passed), f"{t.share:.1%}"))
        o = self.overall()
        rows.append(("overall", str(o.calls), str(o.passed), f"{o.share:.1%}"))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        lines = [
            "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in
                      enumerate(zip(r, widths, strict=True)))
            for r in rows
        ]  # fmt: skip
        lines.insert(1, "-" * len(lines[0]))
        lines.insert(len(lines) - 1, "-" * len(lines[0]))
        e = self.emergencies()
        lines.append(
            f"emergencies: {e['escalated']}/{e['expected_escalations']} escalated, "
            f"{e['false_escalations']} false escalations"
        )
        return "\n".join(lines)


async def run_corpus(
    corpus: list[CorpusFile],
    profile: BusinessProfile,
    nlu: NluBackend,
    only: str | None = None,
) -> Report:
    report = Report()
    t0 = time.perf_counter()
    for f in corpus:
        for call in f.calls:
            if only and only not in call.id:
                continue
            out = await replay(call, profile, nlu, f.language)
            report.results.append(CallResult(f.scenario, f.language, call, out,
                                             check(call.expect, out)))  # fmt: skip
    report.seconds = time.perf_counter() - t0
    return report
