"""`make soak` (not in CI): calls without pause for half an hour, and what the agent does
meanwhile.

The agent runs as its own process (English, Whisper tiny.en: the bench's English setup,
whose capacity is above 20 calls); K callers (default 20) talk to it all the time: when
a call ends, the next starts. Every minute: the turn latency of that minute (p50, p95),
calls finished and failed; from the agent's own ``agent health`` lines (every 30 s): its
resident memory, open file descriptors and asyncio tasks. Goal: memory and handles flat,
no call lost. Results: bench/soak.json and the ``soak`` key of bench/results.json.

    python -m bench.soak [--minutes 30] [--calls 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time

from bench.run import BENCH, agent_process, caller, english, fresh_database, machine, pct
from tests.support.lab import stop_demo_agent


async def soak(minutes: float, calls: int) -> dict[str, object]:
    random.seed(20261207)
    lang = english()
    voices = [await lang.voice(s) for s in lang.sentences]
    goodbye = await lang.voice(lang.goodbye)
    database_url = await fresh_database("rufbereit_soak")
    turns: list[tuple[float, float]] = []  # (when, latency)
    ended: list[tuple[float, bool]] = []  # (when, ok)
    stop_at = time.monotonic() + minutes * 60

    async def line(n: int) -> None:
        await asyncio.sleep(n * 0.5)  # the first calls start spread out
        while time.monotonic() < stop_at:
            latencies: list[float] = []
            ok = await caller(voices, goodbye, latencies, think=True, codec=lang.codec)
            now = time.monotonic()
            turns.extend((now, x) for x in latencies)
            ended.append((now, ok))

    os.environ["RUFBEREIT_HEALTH_INTERVAL_S"] = "30"
    async with agent_process("espeak", database_url, "en") as proc:
        t0 = time.monotonic()
        await asyncio.gather(*(line(i) for i in range(calls)))
        log_path = BENCH / "agent-en-espeak.log"
        log = log_path.read_text(errors="replace")
        alive = proc.returncode is None
    health = [json.loads(x) for x in log.splitlines() if '"agent health"' in x]
    per_minute = []
    for m in range(int(minutes) + 1):
        lo, hi = t0 + m * 60, t0 + (m + 1) * 60
        lat = [x for when, x in turns if lo <= when < hi]
        done = [ok for when, ok in ended if lo <= when < hi]
        if not lat and not done:
            continue
        per_minute.append({
            "minute": m, "turns": len(lat),
            "p50_s": round(pct(lat, 0.5), 3) if lat else None,
            "p95_s": round(pct(lat, 0.95), 3) if lat else None,
            "calls_ok": done.count(True), "calls_failed": done.count(False),
        })  # fmt: skip
    series = {k: [h.get(k) for h in health] for k in ("rss_mb", "open_fds", "tasks", "calls")}
    first, last = health[1] if len(health) > 1 else {}, health[-1] if health else {}
    return {
        "what": f"{calls} simultaneous calls for {minutes:g} minutes (English, tiny.en, espeak)",
        "calls_ok": sum(ok for _, ok in ended),
        "calls_failed": sum(not ok for _, ok in ended),
        "lost_records": last.get("records_lost"),
        "agent_alive_at_end": alive,
        "per_minute": per_minute,
        "health_every_30s": series,
        "rss_mb_first_last": [first.get("rss_mb"), last.get("rss_mb")],
        "open_fds_first_last": [first.get("open_fds"), last.get("open_fds")],
        "tasks_first_last": [first.get("tasks"), last.get("tasks")],
        **machine(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak")
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--calls", type=int, default=20)
    args = parser.parse_args()
    stop_demo_agent()
    result = asyncio.run(soak(args.minutes, args.calls))
    (BENCH / "soak.json").write_text(json.dumps(result, indent=2) + "\n")
    out = BENCH / "results.json"
    results = json.loads(out.read_text()) if out.exists() else {}
    results["soak"] = result
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    summary = {k: v for k, v in result.items() if k not in ("per_minute", "health_every_30s")}
    print(json.dumps(summary, indent=2))
    return 0 if result["calls_failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
