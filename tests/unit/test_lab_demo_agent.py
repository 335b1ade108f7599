"""The lab fixture stops an agent that `make demo` left running (lab/demo.sh's pidfile).

Here with a stand-in process and a lab directory of its own; with the real lab and a
stand-in that holds the Stasis app: tests/integration/test_demo_agent_left_running.py.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from tests.support.lab import stop_demo_agent


def start_like_demo_sh(lab_dir: Path) -> subprocess.Popen[bytes]:
    """A process in a session of its own with its pid in ``agent.pid``, as
    ``lab/demo.sh start-agent`` leaves the agent; reaped as soon as it exits."""
    proc = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(120)"],
        start_new_session=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
    )
    threading.Thread(target=proc.wait, daemon=True).start()
    (lab_dir / "agent.pid").write_text(f"{proc.pid}\n")
    return proc


def test_a_running_demo_agent_is_stopped(tmp_path: Path) -> None:
    proc = start_like_demo_sh(tmp_path)
    try:
        assert stop_demo_agent(tmp_path) == proc.pid
        assert proc.wait(timeout=10) == -15  # SIGTERM: the agent hands its callers over
        assert not (tmp_path / "agent.pid").exists()
    finally:
        if proc.poll() is None:
            proc.kill()


def test_no_demo_agent_nothing_to_do(tmp_path: Path) -> None:
    assert stop_demo_agent(tmp_path) is None
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    (tmp_path / "agent.pid").write_text(f"{gone.pid}\n")
    assert stop_demo_agent(tmp_path) is None  # a stale pidfile is only cleared away
    assert not (tmp_path / "agent.pid").exists()
