"""`make bench`: turn latency and capacity through the real Asterisk (see bench/README.md).

The agent runs as its own process (`python -m agent run`), as at a customer's, with
faster-whisper tiny.en and one voice at a time (espeak-ng, then Piper). Callers are
sipp phones that speak English sentences (Piper voice, trimmed to the speech) into
the call over RTP, with silence between them as a real phone sends it. For each
caller turn we measure, at the caller's side, the time from the last packet of the
caller's speech to the first reply packet above -40 dBFS. Then K callers talk at
once (starts spread over a few seconds, a short think time before each sentence, as
independent callers do), for K growing until the p95 passes 1 s. Results go to
bench/results.json, merged with what the measuring tests wrote.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

from tests.support.lab_line import Line, converse, piper_caller_voice
from tests.support.phones import RtpEndpoint, place_call
from tests.support.postgres import LabPostgres

BENCH = Path(__file__).parent
ROOT = BENCH.parent
SENTENCES = [
    "What are your opening hours?",
    "Where can I find you?",
    "How much does a call out cost?",
    "Is there parking?",
]
GOODBYE = "No, thank you. Goodbye."  # not measured: the assistant says goodbye and hangs up
LIMIT_S = 1.0
CALLS_PER_VOICE = 5
STEPS = (1, 2, 4, 6, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40)
SPREAD_S = 4.0  # callers of a capacity step start within this many seconds
THINK_S = (0.3, 1.5)  # pause before each sentence after the assistant fell quiet


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50_s": round(statistics.median(values), 3),
        "p95_s": round(pct(values, 0.95), 3),
        "max_s": round(max(values), 3),
    }


async def caller(
    voices: list[bytes], goodbye: bytes, latencies: list[float], *, think: bool
) -> bool:
    """One call; False (and a note on stderr) if it failed: the bench goes on."""

    async def hang_up(line: Line) -> None:
        await line.say(goodbye)
        await asyncio.sleep(30)  # until the assistant hangs up

    async def talk(rtp: RtpEndpoint) -> None:
        pause = (lambda: random.uniform(*THINK_S)) if think else None
        await converse(rtp, voices, pause=pause, latencies=latencies, then=hang_up)

    result = await place_call("800", hold_s=150, timeout=180, during=talk, wait_for_hangup=True)
    if not result.ok:
        print(f"bench: a call failed: {result.error_text[:300]}", file=sys.stderr)
    return result.ok


@contextlib.asynccontextmanager
async def agent_process(tts: str, database_url: str) -> AsyncIterator[None]:
    """`python -m agent run` with the bench's settings, until it has registered."""
    spool = tempfile.mkdtemp(prefix="rufbereit-bench-spool-")
    env = dict(
        os.environ,
        RUFBEREIT_LANGUAGE="en",
        RUFBEREIT_STT_BACKEND="whisper",
        RUFBEREIT_TTS_ENGINE=tts,
        RUFBEREIT_DATABASE_URL=database_url,
        RUFBEREIT_SPOOL_DIR=spool,
        RUFBEREIT_LOG_LEVEL="INFO",
    )
    log_path = BENCH / f"agent-{tts}.log"
    log = log_path.open("w")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "agent", "run", cwd=ROOT, env=env, stdout=log, stderr=log
    )
    try:
        await _registered(proc, log_path)
        yield
    finally:
        if proc.returncode is None:
            proc.terminate()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), 20)
        if proc.returncode is None:
            proc.kill()
        log.close()


async def _registered(proc: asyncio.subprocess.Process, log: Path, within: float = 90.0) -> None:
    """Until the agent says it answers calls (ARI keeps a stopped agent's app listed for
    a while, so asking Asterisk is not enough)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if proc.returncode is not None:
            raise RuntimeError(f"the agent exited ({proc.returncode}); see {log}")
        if "rufbereit is answering calls" in await asyncio.to_thread(log.read_text):
            return
        await asyncio.sleep(0.2)
    raise RuntimeError(f"the agent did not start answering calls in time; see {log}")


async def agent_side_turns(database_url: str, since: float) -> list[float]:
    """The agent's own measure (end of speech as its VAD saw it -> first audio handed to
    Asterisk), from the calls' stored events."""
    import psycopg

    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        cur = await conn.execute(
            "SELECT (data->>'turn_ms')::float FROM call_events WHERE kind = 'reply_audio'"
            " AND at >= to_timestamp(%s)",
            (since,),
        )
        return [row[0] / 1000 for row in await cur.fetchall()]


async def fresh_database(name: str) -> str:
    """An empty database on the lab cluster (the agent migrates it at start)."""
    import psycopg

    lab = LabPostgres()
    async with await psycopg.AsyncConnection.connect(lab.admin_url, autocommit=True) as conn:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    return lab.url(name)


async def one_voice(
    tts: str, voices: list[bytes], goodbye: bytes, database_url: str
) -> dict[str, object]:
    async with agent_process(tts, database_url):
        started = time.time()
        single: list[float] = []
        failed = 0
        for _ in range(CALLS_PER_VOICE):
            failed += not await caller(voices, goodbye, single, think=False)
        agent_side = await agent_side_turns(database_url, started)
        capacity: list[dict[str, object]] = []
        if tts == "espeak":
            for k in STEPS:
                lat: list[float] = []
                t0 = time.monotonic()

                async def staggered(lat: list[float] = lat) -> bool:
                    await asyncio.sleep(random.uniform(0, SPREAD_S))
                    return await caller(voices, goodbye, lat, think=True)

                ok = await asyncio.gather(*(staggered() for _ in range(k)))
                numbers = summary(lat)
                step: dict[str, object] = {"calls": k, **numbers, "failed_calls": ok.count(False)}
                step["wall_s"] = round(time.monotonic() - t0, 1)
                capacity.append(step)
                p95 = numbers["p95_s"]
                print(f"bench [{tts}]: {k} calls at once: p95 {p95} s", file=sys.stderr)
                if p95 > LIMIT_S or step["failed_calls"]:
                    break
    result: dict[str, object] = {
        "what": "end of caller speech -> first reply audio at the caller (s)",
        "stt": "whisper tiny.en (10 s window, early start)",
        "tts": tts,
        **summary(single),
        "failed_calls": failed,
        "agent_side": summary(agent_side) if agent_side else None,
    }
    if capacity:
        carried = [
            int(str(c["calls"]))
            for c in capacity
            if float(str(c["p95_s"])) <= LIMIT_S and not c["failed_calls"]
        ]
        result["capacity"] = {
            "limit_p95_s": LIMIT_S,
            "max_calls_within_limit": max(carried, default=0),
            "tested_up_to": capacity[-1]["calls"],
            "steps": capacity,
        }
    return result


async def run() -> dict[str, object]:
    random.seed(20261205)
    voice = piper_caller_voice()  # trimmed to the speech: its last packet ends the speech
    voices = [await voice(s) for s in SENTENCES]
    goodbye = await voice(GOODBYE)
    database_url = await fresh_database("rufbereit_bench")
    results: dict[str, object] = {}
    for tts in ("espeak", "piper"):
        results[f"turn_latency_{tts}"] = await one_voice(tts, voices, goodbye, database_url)
    espeak = results["turn_latency_espeak"]
    assert isinstance(espeak, dict)
    results["turn_latency"] = {k: v for k, v in espeak.items() if k != "capacity"}
    results["capacity"] = espeak.get("capacity")
    return results


def main() -> int:
    results = asyncio.run(run())
    for name in ("dial_to_greeting", "stt_rtf", "tts_latency", "barge_in", "escalation"):
        path = BENCH / f"{name}.json"
        if path.exists():
            results[name] = json.loads(path.read_text())
    out = BENCH / "results.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps({k: results[k] for k in ("turn_latency", "capacity")}, indent=2))
    print(f"bench: wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
