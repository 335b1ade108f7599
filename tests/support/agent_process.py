"""The agent as its own process (`python -m agent run`), as at a customer's: with its
guard and its network guard, against the lab, logging to a file."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.lab import REPO, clear_stale_app


@dataclass
class Agent:
    proc: subprocess.Popen[bytes]
    log: Path
    env: dict[str, str]  # to start it again as it was

    @property
    def guard_pids(self) -> list[int]:
        """The guard: the agent's child running agent.telephony.guard."""
        out = subprocess.run(
            ["pgrep", "-P", str(self.proc.pid), "-f", "agent.telephony.guard"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        return [int(p) for p in out.stdout.split()]

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def agent_env(database_url: str, spool: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("RUFBEREIT_GUARD", None)
    env.update(
        RUFBEREIT_DATABASE_URL=database_url,
        RUFBEREIT_SPOOL_DIR=str(spool),
        RUFBEREIT_STT_BACKEND="whisper",
        RUFBEREIT_LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


def start_agent(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "agent", *args, "run"], cwd=REPO, env=env, stdout=out,
            stderr=out, stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip


async def answering(agent: Agent, within: float = 90.0, since: int = 0) -> None:
    """Until the agent logs that it answers calls (after byte ``since`` of its log: a
    restarted agent writes on); fails the test if it exits first."""
    deadline = time.monotonic() + within
    while "rufbereit is answering calls" not in agent.log.read_text(errors="replace")[since:]:
        if agent.proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"the agent did not start (exit {agent.proc.poll()}):\n{agent.tail()}")
        await asyncio.sleep(0.2)


@contextlib.asynccontextmanager
async def agent_process(
    database_url: str, tmp_path: Path, name: str = "agent", **env: str
) -> AsyncIterator[Agent]:
    """The agent as its own process until it answers calls; killed (with its guard)
    afterwards. ``env``: more RUFBEREIT_* settings; its log is ``tmp_path/<name>.log``."""
    await clear_stale_app()  # a dead agent's app, listed but inactive
    log = tmp_path / f"{name}.log"
    environment = agent_env(database_url, tmp_path / "spool", **env)
    agent = Agent(start_agent(environment, log), log, environment)
    try:
        await answering(agent)
        yield agent
    finally:
        guards = agent.guard_pids
        with contextlib.suppress(ProcessLookupError):
            os.kill(agent.proc.pid, signal.SIGKILL)
        agent.proc.wait(10)
        for pid in guards:  # let the guard hand over the callers first (it exits then)
            for _ in range(50):
                if not os.path.exists(f"/proc/{pid}"):  # noqa: ASYNC240 (a /proc look-up)
                    break
                await asyncio.sleep(0.1)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
