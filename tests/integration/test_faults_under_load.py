"""Faults with ten calls in progress, each survived.

The agent runs as at a customer's (`python -m agent run`, German, Whisper base,
smart-turn, its guard), reaching PostgreSQL and ARI through TCP proxies the test
controls. Ten callers (espeak-ng German, a question after the greeting, another a few
seconds later, then they stay on the line) are in conversation when the fault strikes:

- PostgreSQL gone for 30 s, then back;
- Asterisk restarted;
- the agent SIGKILLed, then started again;
- the ARI events websocket cut;
- the spool's filesystem full while PostgreSQL is gone;
- the CPU starved by a competing process (four busy loops on two cores).

After each, nothing is lost: every call has its record, closed, with an outcome, and the
calls' conversations are stored (what callers said and the assistant answered, for the
calls that got that far); no channel or bridge of the agent is left in Asterisk; and a
new call afterwards is answered by the agent. What each fault did to the calls in
progress is printed (the closing note of issue 12 quotes it).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import psycopg
import pytest

from tests.support.agent_process import Agent, agent_process, answering, start_agent
from tests.support.lab import ari_client, run_lab, stasis_app_registered
from tests.support.lab_line import converse, espeak_caller_voice
from tests.support.phones import CallResult, RtpEndpoint, place_call, run_uas
from tests.support.polling import until
from tests.support.postgres import LabPostgres, PgProxy
from tests.support.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CALLS = 10
HOLD_S = 40.0  # each caller stays this long after the answer, then hangs up
FAULT_AT_S = 14.0  # after the first caller was answered
QUESTIONS = ["Wie sind Ihre Öffnungszeiten?", "Was kostet die Anfahrt?"]


async def _caller(voices: list[bytes], number: str) -> CallResult:
    """A caller who listens to the greeting, asks each question once the assistant has
    answered the one before, with silence in between as a phone sends it, and stays on
    the line until HOLD_S (whatever the fault did to the answers)."""

    async def talk(rtp: RtpEndpoint) -> None:
        await converse(rtp, voices, pause=lambda: random.uniform(0.3, 1.5))

    return await place_call(
        "800", hold_s=HOLD_S, caller_number=number, timeout=HOLD_S + 60, during=talk,
        codec="g722",
    )  # fmt: skip


async def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    async with await psycopg.AsyncConnection.connect(url) as conn:
        cur = await conn.execute(sql)
        return list(await cur.fetchall())


async def _leftovers(numbers: set[str]) -> list[str]:
    async with ari_client() as ari:
        channels = (await ari.get("/channels")).json()
        bridges = (await ari.get("/bridges")).json()
    left = [c["name"] for c in channels if c["caller"]["number"] in numbers]
    left += [f"bridge {b['id']}" for b in bridges if b["id"].startswith("rufbereit-")]
    return left


@contextlib.asynccontextmanager
async def _proxies() -> AsyncIterator[tuple[PgProxy, TcpProxy]]:
    pg = PgProxy(LabPostgres())
    ari = TcpProxy("127.0.0.1", 8088)
    await pg.start()
    await ari.start()
    try:
        yield pg, ari
    finally:
        await pg.stop()
        await ari.stop()


async def _busy_loops(n: int, seconds: float) -> None:
    code = f"import time\nt=time.time()+{seconds}\nwhile time.time()<t: pass"
    procs = [await asyncio.create_subprocess_exec(sys.executable, "-c", code) for _ in range(n)]
    await asyncio.gather(*(p.wait() for p in procs))


def _run(cmd: list[str]) -> None:
    """mount/umount (root): quick, so run in place."""
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{' '.join(cmd)}: {done.stderr}"


Fault = Callable[[Agent, PgProxy, TcpProxy, Path], Awaitable[str]]


async def pg_gone(agent: Agent, pg: PgProxy, ari: TcpProxy, tmp: Path) -> str:
    await pg.stop()
    await asyncio.sleep(30)
    await pg.start()
    return "PostgreSQL gone for 30 s"


async def asterisk_restart(agent: Agent, pg: PgProxy, ari: TcpProxy, tmp: Path) -> str:
    for step in ("down", "up"):
        done = await asyncio.to_thread(run_lab, step, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
    return "Asterisk restarted"


async def agent_killed(agent: Agent, pg: PgProxy, ari: TcpProxy, tmp: Path) -> str:
    os.kill(agent.proc.pid, signal.SIGKILL)
    await asyncio.to_thread(agent.proc.wait, 10)
    for _ in range(100):  # its guard has handed the callers over and closed their records
        if not agent.guard_pids:
            break
        await asyncio.sleep(0.1)
    since = len(agent.log.read_text(errors="replace"))
    agent.proc = start_agent(agent.env, agent.log)
    await answering(agent, since=since)
    return "agent SIGKILLed and started again"


async def events_cut(agent: Agent, pg: PgProxy, ari: TcpProxy, tmp: Path) -> str:
    cut = ari.cut(b"/ari/events")
    assert cut == 1, f"expected the one events websocket, cut {cut}"
    return "ARI events websocket cut"


async def spool_full(agent: Agent, pg: PgProxy, ari: TcpProxy, tmp: Path) -> str:
    spool = tmp / "spool"  # a 1 MB tmpfs (see the test), filled to the brim now
    with contextlib.suppress(OSError):
        (spool / "ballast").write_bytes(b"x" * (2 * 1024 * 1024))
    await pg.stop()
    await asyncio.sleep(20)
    (spool / "ballast").unlink()
    await pg.start()
    return "spool filesystem full while PostgreSQL was gone for 20 s"


async def cpu_starved(agent: Agent, pg: PgProxy, ari: TcpProxy, tmp: Path) -> str:
    await _busy_loops(4, 25)
    return "CPU starved by four busy loops for 25 s"


FAULTS: dict[str, Fault] = {
    "pg_gone_30s": pg_gone,
    "asterisk_restart": asterisk_restart,
    "agent_sigkill_restart": agent_killed,
    "ari_events_cut": events_cut,
    "spool_full": spool_full,
    "cpu_starved": cpu_starved,
}


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_ten_calls_survive(lab: None, pg_database: str, tmp_path: Path, fault: str) -> None:
    voice = espeak_caller_voice(sample_rate=16000)
    voices = [await voice(q) for q in QUESTIONS]
    prefix = f"+49892{random.randrange(10**5):05d}"
    numbers = {f"{prefix}{i}" for i in range(CALLS)}
    spool = tmp_path / "spool"
    spool.mkdir()
    if fault == "spool_full":
        _run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(spool)])
    try:
        async with (
            _proxies() as (pg, ari),
            run_uas("office") as office,
            agent_process(
                pg.url_for(pg_database), tmp_path,
                RUFBEREIT_ARI_URL=f"http://127.0.0.1:{ari.port}/ari",
            ) as agent,
        ):  # fmt: skip
            calls = []
            for number in sorted(numbers):
                calls.append(asyncio.create_task(_caller(voices, number)))
                await asyncio.sleep(0.4)
            await asyncio.sleep(FAULT_AT_S)
            t0 = time.monotonic()
            what = await FAULTS[fault](agent, pg, ari, tmp_path)
            fault_s = time.monotonic() - t0
            results = await asyncio.gather(*calls)
            # a new call after the fault is answered by the agent (once it is connected
            # again: until then Stasis() fails and callers go to the office)
            reconnect_t0 = time.monotonic()
            await until(stasis_app_registered, 60, "the agent connected to ARI again")
            reconnect_s = time.monotonic() - reconnect_t0
            after = await place_call("800", hold_s=10, caller_number=f"{prefix}99", timeout=60)
            assert after.ok, after.error_text
            greeted = after.first_audio_at(threshold_dbfs=-40)
            assert greeted is not None, "the call after the fault heard nothing"
            # every record reaches the database (spooled or held ones replayed)
            url = pg_database
            deadline = time.monotonic() + 60
            while True:
                rows = await _rows(
                    url,
                    "SELECT caller_number, outcome, ended_at IS NOT NULL FROM calls"
                    f" WHERE caller_number LIKE '{prefix}%'",
                )
                done = [r for r in rows if r[2]]
                if len(done) >= CALLS + 1 or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.5)
            office_calls = office.calls
            log = agent.log.read_text(errors="replace")
    finally:
        if fault == "spool_full":
            _run(["umount", "-l", str(spool)])

    outcomes = sorted(str(r[1]) for r in rows if r[0] in numbers)
    said = await _rows(
        url,
        "SELECT count(*) FILTER (WHERE e.kind = 'caller_said'),"
        " count(*) FILTER (WHERE e.kind = 'assistant_said')"
        " FROM call_events e JOIN calls c ON c.id = e.call_id"
        f" WHERE c.caller_number LIKE '{prefix}%'",
    )
    print(
        f"\n[{fault}] {what} ({fault_s:.1f} s): callers ok {sum(r.ok for r in results)}/"
        f"{CALLS}, outcomes {outcomes}, to the office {office_calls}, "
        f"stored: caller turns {said[0][0]}, assistant turns {said[0][1]}; the agent "
        f"answered again {reconnect_s:.1f} s after the fault was over"
    )
    assert sorted(r[0] for r in rows if r[0] in numbers) == sorted(numbers), (rows, log[-3000:])
    assert f"{prefix}99" in [r[0] for r in rows], "the call after the fault missed the agent"
    assert all(r[2] for r in rows), f"calls left open: {rows}"
    assert all(r[1] for r in rows), f"calls without an outcome: {rows}"
    assert "LOST" not in log, log[-3000:]
    assert not await _leftovers(numbers | {f"{prefix}99"}), await _leftovers(numbers)
    if fault not in ("asterisk_restart", "agent_sigkill_restart"):
        assert all(r.ok for r in results), [r.error_text[:200] for r in results if not r.ok]
        # the conversations went on through the fault, and what was said is stored
        # (spooled or held while the database was gone, then written)
        assert said[0][0] >= CALLS, f"only {said[0][0]} caller turns stored\n{log[-3000:]}"
