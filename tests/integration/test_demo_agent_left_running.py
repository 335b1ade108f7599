"""`make demo` then `make test`: the demo's agent is stopped before the tests start theirs.

A stand-in for the demo agent holds the Stasis app ``rufbereit`` (an ARI events websocket,
as the agent's) and is left in lab/demo.sh's pidfile; the lab set-up each session runs
(:func:`tests.support.lab.prepare_lab`) must stop it and see the app unregistered.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from urllib.parse import quote

import httpx
import pytest

from tests.support.lab import (
    ARI_PASSWORD,
    ARI_URL,
    ARI_USER,
    STASIS_APP,
    ari_auth,
    lab_dir,
    prepare_lab,
)

pytestmark = pytest.mark.integration

HOLD_THE_APP = """
import sys
from websockets.sync.client import connect
with connect(sys.argv[1]) as ws:
    for _ in ws:
        pass
"""


def app_registered() -> bool:
    r = httpx.get(f"{ARI_URL}/applications/{STASIS_APP}", auth=ari_auth(), timeout=2)
    return r.status_code == 200


def test_a_demo_agent_left_running_is_stopped_before_the_tests(lab: None) -> None:
    pidfile = lab_dir() / "agent.pid"
    assert not pidfile.exists(), "the session set-up left a demo agent's pidfile"
    assert not app_registered(), "an agent holds the Stasis app before the test"
    key = quote(f"{ARI_USER}:{ARI_PASSWORD}", safe="")
    url = f"{ARI_URL.replace('http', 'ws', 1)}/events?app={STASIS_APP}&api_key={key}"
    agent = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_APP, url],
        start_new_session=True,  # as lab/demo.sh starts it (setsid)
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
    )
    threading.Thread(target=agent.wait, daemon=True).start()
    try:
        pidfile.write_text(f"{agent.pid}\n")
        deadline = time.monotonic() + 10
        while not app_registered():
            assert agent.poll() is None, "the stand-in agent could not connect"
            assert time.monotonic() < deadline, "the stand-in never registered the app"
            time.sleep(0.05)

        with pytest.warns(UserWarning, match="make demo"):
            prepare_lab()

        assert agent.wait(timeout=10) == -15
        assert not pidfile.exists()
        assert not app_registered()
    finally:
        if agent.poll() is None:
            agent.kill()
        if pidfile.exists() and pidfile.read_text().strip() == str(agent.pid):
            pidfile.unlink()
