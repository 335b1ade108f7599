"""Place one demo call into the lab and print what happened.

A sipp phone dials the assistant (800) while another sipp phone plays the
office. Run by `make demo` after the agent is started (lab/demo.sh).
"""

from __future__ import annotations

import asyncio
import sys

from agent.config import load_settings
from agent.storage.reports import call_events, recent_calls
from tests.support.phones import place_call, run_uas

CALLER = "+4989123456"


async def demo() -> int:
    settings = load_settings()
    print("demo: calling the assistant (extension 800) from", CALLER, "...")
    async with run_uas("office") as office:
        result = await place_call("800", hold_s=16, caller_number=CALLER, timeout=40)
        office_calls = office.calls
    ok = result.ok
    first = result.first_audio_at(threshold_dbfs=-40)
    print(f"  call answered:       {'yes' if result.ok else 'NO: ' + result.error_text}")
    if first is not None:
        print(
            f"  greeting heard:      yes, {1000 * (first - result.started_at):.0f} ms "
            f"after dialling, level {result.rms_dbfs():.1f} dBFS"
        )
    else:
        ok = False
        print("  greeting heard:      NO")
    print(f"  handed to office:    {'yes' if office_calls else 'NO'}")
    ok = ok and office_calls == 1

    url = settings.database.url.get_secret_value()
    calls = []
    for _ in range(50):  # the record is completed a moment after the BYE
        calls = await recent_calls(url, 1)
        if calls and calls[0]["ended_at"] is not None:
            break
        await asyncio.sleep(0.1)
    if not calls:
        print("  record stored:       NO")
        return 1
    c = calls[0]
    print(f"  record stored:       call {c['id']}")
    print(
        f"    caller {c['caller_number']} -> {c['called_number']}, outcome {c['outcome']}, "
        f"duration {c['duration_s']} s"
    )
    for e in await call_events(url, c["id"]):
        print(f"    {e['at']:%H:%M:%S.%f}"[:-3], e["kind"], e["data"] or "")
    print(
        "demo: OK"
        if ok
        else "demo: something went wrong (see above and /var/tmp/rufbereit-lab/agent.log)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(demo()))
