"""`make bench`: turn latency and capacity through the real Asterisk (see bench/README.md).

Callers are sipp phones that speak English sentences (Piper voice) into the call
over RTP, with silence between them as a real phone sends it. The agent runs
in-process with faster-whisper tiny.en and the default voice. For each caller
turn we measure, at the caller's side, the time from the end of the caller's
speech to the first reply audio. Then K callers talk at the same time, for K
growing until the p95 passes 1 s. Results go to bench/results.json, merged with
what the measuring tests wrote (dial to greeting, recogniser RTF, TTS latency).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from agent.app import running_agent
from agent.config import load_settings
from agent.speech.audio import resample
from agent.speech.piper_tts import PiperTts
from tests.support.lab_line import Line
from tests.support.phones import RtpEndpoint, place_call

BENCH = Path(__file__).parent
SENTENCES = [
    "What are your opening hours?",
    "Where can I find you?",
    "How much does a call out cost?",
]
LIMIT_S = 1.0


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def one_caller(voices: list[bytes], latencies: list[float]) -> None:
    async def talk(rtp: RtpEndpoint) -> None:
        await rtp.wait_for_peer(10)
        line = Line(rtp)
        sender = asyncio.create_task(line.run())
        try:
            await line.assistant_done()  # the greeting
            for pcm in voices:
                await line.say(pcm)
                first = await line.first_reply_after(line.said_at)
                latencies.append(first - line.speech_ended_at)
                await line.assistant_done()
        finally:
            sender.cancel()

    result = await place_call("800", hold_s=90, timeout=120, during=talk)
    if not result.ok:
        raise RuntimeError(f"a bench call failed: {result.error_text[:300]}")


async def run() -> dict[str, object]:
    piper = PiperTts()
    voices = [resample(await piper.synthesize(s, "en"), 16000, 8000) for s in SENTENCES]
    with tempfile.TemporaryDirectory() as spool:
        settings = load_settings(
            env={
                "RUFBEREIT_LANGUAGE": "en",
                "RUFBEREIT_STT_BACKEND": "whisper",
                "RUFBEREIT_SPOOL_DIR": spool,
            }
        )
        async with running_agent(settings):
            single: list[float] = []
            for _ in range(3):
                await one_caller(voices, single)
            capacity: list[dict[str, float]] = []
            for k in (1, 2, 3, 4, 6, 8, 10):
                lat: list[float] = []
                t0 = time.monotonic()
                await asyncio.gather(*(one_caller(voices, lat) for _ in range(k)))
                p95 = pct(lat, 0.95)
                step = {
                    "calls": k,
                    "n": len(lat),
                    "p50_s": round(pct(lat, 0.5), 3),
                    "p95_s": round(p95, 3),
                    "wall_s": round(time.monotonic() - t0, 1),
                }
                capacity.append(step)
                print(f"bench: {k} simultaneous calls: p95 {p95:.3f} s", file=sys.stderr)
                if p95 > LIMIT_S:
                    break
    carried = [int(c["calls"]) for c in capacity if float(c["p95_s"]) <= LIMIT_S]
    return {
        "turn_latency": {
            "what": "end of caller speech -> first reply audio at the caller (s)",
            "stt": "whisper tiny.en",
            "tts": settings.tts.engine,
            "n": len(single),
            "p50_s": round(statistics.median(single), 3),
            "p95_s": round(pct(single, 0.95), 3),
        },
        "capacity": {
            "limit_p95_s": LIMIT_S,
            "max_calls_within_limit": max(carried, default=0),
            "steps": capacity,
        },
    }


def main() -> int:
    results = asyncio.run(run())
    for name in ("dial_to_greeting", "stt_rtf", "tts_latency", "barge_in", "escalation"):
        path = BENCH / f"{name}.json"
        if path.exists():
            results[name] = json.loads(path.read_text())
    out = BENCH / "results.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results["turn_latency"], indent=2))
    print(f"bench: wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
