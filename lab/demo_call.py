"""The demo calls: a German caller books an appointment by voice, then reports an
emergency after hours that rings the on-call technician, who takes it.

Run by `make demo` after the demo agent is started (lab/demo.sh, with the profile of
lab/demo_profile.py: closed today, Thomas Huber on call). The caller is a sipp phone
speaking German (espeak-ng, the only German voice that can be had here) over G.722, a
wideband line; the technician is the lab phone PJSIP/oncall1, which answers and presses 1.
Prints both sides of each call, the booking and the escalation as stored, and how soon the
assistant answered each sentence.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from agent.config import Settings, load_settings
from agent.storage import Database
from agent.storage.reports import call_events, recent_calls
from tests.escalation.phones import pressing_phone
from tests.support.lab_line import Line, converse, espeak_caller_voice
from tests.support.phones import CallResult, RtpEndpoint, place_call

CALLER = "+4915901234567"
WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")


def booking_day(today: date, holidays: Sequence[date]) -> date:
    """Monday to Thursday, two days ahead at least, within a week ("am Donnerstag" then
    means that day), not a holiday."""
    day = today + timedelta(days=2)
    while day.weekday() > 3 or day in holidays:
        day += timedelta(days=1)
    return day


async def _call(
    lines: list[str], *, hold_s: float, then_wait_s: float = 0.0
) -> tuple[CallResult, list[float]]:
    voice = espeak_caller_voice(sample_rate=16000)  # G.722: 16 kHz on the wire
    voices = [await voice(text) for text in lines]
    latencies: list[float] = []

    async def stay(line: Line) -> None:
        await asyncio.sleep(then_wait_s)

    async def talk(rtp: RtpEndpoint) -> None:
        await converse(rtp, voices, latencies=latencies, then=stay)

    result = await place_call(
        "800", hold_s=hold_s, caller_number=CALLER, timeout=hold_s + 30, during=talk,
        codec="g722", wait_for_hangup=True,
    )  # fmt: skip
    return result, latencies


async def _finished_call(url: str) -> dict[str, Any] | None:
    for _ in range(100):  # the record is completed a moment after the BYE
        calls = await recent_calls(url, 1)
        if calls and calls[0]["ended_at"] is not None:
            return dict(calls[0])
        await asyncio.sleep(0.1)
    return None


def _print_call(call: dict[str, Any], events: list[dict[str, Any]], latencies: list[float]) -> None:
    print(f"  call {call['id']}: outcome {call['outcome']}, {call['duration_s']} s")
    for e in events:
        data = e["data"] or {}
        if e["kind"] == "assistant_said":
            print(f"    assistant: {data.get('text', '')}")
        elif e["kind"] == "caller_said":
            # "early": recognised while the caller was still silent, before the turn end
            when = "ready at the turn's end" if data.get("early") else f"{data.get('stt_ms')} ms"
            print(f"    caller:    {data.get('text', '')}   [recognised: {when}]")
        elif e["kind"] in ("action", "escalation_end", "barge_in"):
            print(f"    ({e['kind']}: {data})")
    agent_side = [e["data"]["turn_ms"] / 1000 for e in events if e["kind"] == "reply_audio"]
    if latencies:
        print(
            "  the assistant answered "
            + ", ".join(f"{x:.2f}" for x in latencies)
            + " s after the caller stopped speaking (at the phone; median "
            f"{statistics.median(latencies):.2f} s)"
        )
    if agent_side:
        print(f"  inside the agent (its end of turn -> reply audio out): median "
              f"{statistics.median(agent_side):.2f} s, max {max(agent_side):.2f} s")  # fmt: skip


async def _shown(url: str, placed: tuple[CallResult, list[float]]) -> bool:
    """Print the call as the agent recorded it; False if it failed."""
    result, latencies = placed
    call = await _finished_call(url)
    if not result.ok or call is None:
        print(f"  the call failed: {result.error_text or 'no record'}")
        return False
    _print_call(call, await call_events(url, call["id"]), latencies)
    return True


async def _rows(url: str, sql: str, *params: object) -> list[tuple[Any, ...]]:
    db = Database(url)
    try:
        async with db.connection() as conn:
            cur = await conn.execute(sql, params)
            return list(await cur.fetchall())
    finally:
        await db.close()


async def booking(settings: Settings, url: str) -> bool:
    profile = settings.business
    today = datetime.now(profile.tz).date()
    day = booking_day(today, profile.holidays)
    # a demo run before this one may have booked that time: its bookings are cancelled
    await _rows(
        url,
        "UPDATE appointments SET status = 'cancelled', updated_at = now()"
        " WHERE phone_digits LIKE %s AND status = 'booked' RETURNING id",
        "%" + CALLER[-10:],
    )
    lines = [
        "Ich hätte gerne einen Termin für eine Heizungswartung.",
        f"Am {WEEKDAYS[day.weekday()]} um zehn Uhr.",
        "Ich heiße Thomas Meier.",
        "Ja.",
        "Ja.",
        "Nein danke, auf Wiederhören.",
    ]
    print(f"demo 1/2: a booking by voice (German, G.722), {CALLER} calls 800 ...")
    if not await _shown(url, await _call(lines, hold_s=120)):
        return False
    rows = await _rows(
        url,
        "SELECT appointment_type, starts_at, name, phone, status FROM appointments"
        " WHERE phone_digits LIKE %s ORDER BY created_at DESC LIMIT 1",
        "%" + CALLER[-10:],
    )
    if not rows:
        print("  booking stored: NO")
        return False
    kind, starts, name, phone, status = rows[0]
    when = starts.astimezone(profile.tz)
    print(f"  booking stored: {kind} on {when:%a %d.%m.%Y %H:%M}, {name}, {phone}, {status}")
    return True


async def emergency(url: str) -> bool:
    lines = [
        "Die Heizung ist ausgefallen und es ist eiskalt.",
        "Marienplatz eins in München.",
        "Ja.",
        "Ja.",
    ]
    print("demo 2/2: an emergency after hours; the on-call technician's phone rings ...")
    async with pressing_phone("oncall1", "1", delay_ms=3000) as technician:
        placed = await _call(lines, hold_s=150, then_wait_s=120)
        rang = technician.calls
    if not await _shown(url, placed):
        return False
    rows = await _rows(
        url,
        "SELECT kind, address, state, acknowledged_by FROM escalations"
        " ORDER BY created_at DESC LIMIT 1",
    )
    print(f"  technician's phone rang: {'yes' if rang else 'NO'}")
    if not rows:
        print("  escalation stored: NO")
        return False
    kind, address, state, by = rows[0]
    print(f"  escalation stored: {kind} at {address}: {state}, taken by {by}")
    return bool(rang) and by is not None


async def demo() -> int:
    settings = load_settings()
    url = settings.database.url.get_secret_value()
    ok = await booking(settings, url)
    ok = await emergency(url) and ok
    print("demo: OK" if ok else "demo: something went wrong (see above and the agent log)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(demo()))
