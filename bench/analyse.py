"""How long ``rufbereit analyse`` takes on three months of a 15-person firm's CDR.

    python -m bench.analyse        (make analyse-bench)

Writes ``bench/analyse.json``: the synthetic Master.csv's size (tests/support/cdr_synthetic,
91 days, seed 7, the assistant from the 62nd day), and for five runs each the p50 and max
of (a) reading, rebuilding and counting in one process and (b) the whole command as an
admin runs it (``python -m agent analyse --json``, Python's start included), and of
rendering the one-page report. The goal: under 5 s on these cores.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from agent.analysis.calls import rebuild_calls
from agent.analysis.cdr import read_cdr_csv
from agent.analysis.figures import count
from agent.config import load_settings
from tests.support.cdr_synthetic import generate

OUT = Path(__file__).with_name("analyse.json")
RUNS = 5


def _stats(times: list[float]) -> dict[str, float]:
    return {"p50_s": round(statistics.median(times), 3), "max_s": round(max(times), 3)}


def main() -> None:
    business = load_settings(None).business
    with tempfile.TemporaryDirectory() as tmp:
        cdr = Path(tmp) / "Master.csv"
        synthetic = generate(date(2026, 6, 1), 91, assistant_from=date(2026, 8, 1))
        synthetic.write(cdr)
        in_process: list[float] = []
        for _ in range(RUNS):
            t0 = time.perf_counter()
            batch = read_cdr_csv(cdr, ZoneInfo(business.timezone))
            calls = rebuild_calls(batch.records)
            figures = count(calls, tz=business.tz, since=date(2026, 6, 1),
                            until=date(2026, 8, 30), is_open=business.is_open)  # fmt: skip
            in_process.append(time.perf_counter() - t0)
        command: list[float] = []
        report: list[float] = []
        env = {**os.environ, "RUFBEREIT_DATABASE_URL": "postgresql://bench@127.0.0.1:9/none"}
        for n in range(RUNS):
            args = [sys.executable, "-m", "agent", "analyse", "--cdr", str(cdr)]
            extra = ["--json"] if n % 2 == 0 else ["--report", str(Path(tmp) / "r.html")]
            t0 = time.perf_counter()
            subprocess.run([*args, *extra], check=True, capture_output=True, env=env)
            (command if n % 2 == 0 else report).append(time.perf_counter() - t0)
        result = {
            "rows": len(synthetic.rows),
            "calls": len(synthetic.truth),
            "inbound_calls": figures.inbound_calls,
            "file_bytes": cdr.stat().st_size,
            "read_rebuild_count": _stats(in_process),
            "command_json": _stats(command),
            "command_with_report": _stats(report),
            "goal_s": 5.0,
            "cores": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        }
    OUT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
