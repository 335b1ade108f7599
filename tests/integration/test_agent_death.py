"""No caller waits on a dead agent, however the agent ends.

The agent runs as at a customer's (`python -m agent run`, as its own process, with its
guard). Four callers are in conversation with it; then it ends in one of the ways an
agent ends, and is NOT started again. Each caller must reach the fallback (the office
phone rings) within 3 s, the app must be gone from Asterisk so that the next caller goes
straight to the office, and the calls' records are kept and closed.

The ways: SIGKILL (what the kernel's OOM killer sends too), a crash (SIGSEGV, as a fault
in a native library ends it), a clean stop (SIGTERM: the agent hands over itself), and
the worst case: the agent and its guard both killed at once, then either systemd's
``ExecStopPost=rufbereit rescue`` runs, or an agent is started again with a profile that
does not load; its own guard rescues the callers left behind.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from tests.support.agent_process import agent_env, agent_process, start_agent
from tests.support.lab import ARI_PASSWORD, REPO, asterisk_channels, stasis_app_registered
from tests.support.phones import CallResult, place_call, run_uas

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CALLERS = 4
RESCUE_WITHIN_S = 3.0


async def _in_conversation(database_url: str, n: int, within: float = 30.0) -> None:
    """Until the agent has answered ``n`` calls (their records are open)."""
    deadline = time.monotonic() + within
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        while True:
            cur = await conn.execute(
                "SELECT count(*) FROM calls WHERE answered_at IS NOT NULL AND ended_at IS NULL"
            )
            row = await cur.fetchone()
            if row and row[0] >= n:
                return
            if time.monotonic() > deadline:
                pytest.fail(f"only {row[0] if row else 0} of {n} calls were answered")
            await asyncio.sleep(0.1)


async def _calls(database_url: str) -> list[tuple[str | None, str | None, bool]]:
    async with await psycopg.AsyncConnection.connect(database_url) as conn:
        cur = await conn.execute(
            "SELECT outcome, hangup_cause, ended_at IS NOT NULL FROM calls ORDER BY started_at"
        )
        return [(r[0], r[1], bool(r[2])) for r in await cur.fetchall()]


WAYS = ["sigkill", "crash", "sigterm", "both-killed-then-rescue", "both-killed-bad-start"]


@pytest.mark.parametrize("way", WAYS)
async def test_callers_reach_the_fallback_when_the_agent_ends(
    lab: None, pg_database: str, tmp_path: Path, way: str
) -> None:
    caller_number = f"+49891{random.randrange(10**6):06d}"
    async with run_uas("office") as office, agent_process(pg_database, tmp_path) as agent:
        calls = [
            asyncio.create_task(
                place_call("800", hold_s=25, caller_number=caller_number, timeout=60)
            )
            for _ in range(CALLERS)
        ]
        await _in_conversation(pg_database, CALLERS)
        await asyncio.sleep(1.0)  # greeting under way: the agent is mid-call
        ended_at = time.monotonic()
        pid = agent.proc.pid
        if way == "sigkill":
            os.kill(pid, signal.SIGKILL)
        elif way == "crash":
            os.kill(pid, signal.SIGSEGV)
        elif way == "sigterm":
            os.kill(pid, signal.SIGTERM)
        else:  # the agent and its guard at once (a cgroup kill, a machine's hiccup)
            for p in [pid, *agent.guard_pids]:
                os.kill(p, signal.SIGKILL)
        await asyncio.to_thread(agent.proc.wait, 20)
        if way.startswith("both-killed"):
            await asyncio.sleep(0.5)
            assert office.calls == 0, "nothing should have rescued them yet"
            ended_at = time.monotonic()
            env = agent_env(pg_database, tmp_path / "spool")
            if way == "both-killed-then-rescue":  # what ExecStopPost= runs
                done = await asyncio.to_thread(
                    subprocess.run, [sys.executable, "-m", "agent", "rescue"], cwd=REPO, env=env,
                    capture_output=True, text=True, timeout=30, check=False,
                )  # fmt: skip
                assert done.returncode == 0, done.stdout + done.stderr
                assert f"{CALLERS} caller(s) sent to the fallback" in done.stdout, done.stdout
            else:  # a restart with a profile edit that does not load
                bad = tmp_path / "broken.yaml"
                bad.write_text("business:\n  name: [unclosed\n", encoding="utf-8")
                env["RUFBEREIT_PROFILE"] = str(bad)
                # as the README says: the secrets in the environment (or secret files),
                # so that a broken profile cannot take ARI's password with it
                env["RUFBEREIT_ARI_PASSWORD"] = ARI_PASSWORD
                restart = start_agent(env, tmp_path / "restart.log")
                assert await asyncio.to_thread(restart.wait, 30) == 2
        try:
            await office.wait_for("calls", CALLERS, within=RESCUE_WITHIN_S + 5)
        except TimeoutError:
            pytest.fail(f"{office.calls} of {CALLERS} callers reached the office\n{agent.tail()}")
        took = time.monotonic() - ended_at
        assert took <= RESCUE_WITHIN_S, f"the callers reached the office after {took:.1f} s"

        # nobody serves the app now: Asterisk forgets it and the next caller goes
        # straight to the office
        for _ in range(50):
            if not await stasis_app_registered():
                break
            await asyncio.sleep(0.1)
        assert not await stasis_app_registered(), "the dead agent's app is still registered"
        results: list[CallResult] = await asyncio.gather(*calls)
        assert all(r.ok for r in results), [r.error_text[:200] for r in results]
        nxt = await place_call("800", hold_s=2, caller_number=caller_number, timeout=30)
        assert nxt.ok, nxt.error_text
        await office.wait_for("calls", CALLERS + 1, within=5)

    # every call's record is kept, and closed as handed to people
    rows = await _calls(pg_database)
    assert len(rows) == CALLERS, rows
    assert all(ended and outcome == "fallback" for outcome, _, ended in rows), rows
    if way != "sigterm":
        assert all(cause == "agent_down" for _, cause, _ in rows), rows
    left = [c["name"] for c in await asterisk_channels() if caller_number in c["caller"]["number"]]
    assert not left, f"channels left behind: {left}"
