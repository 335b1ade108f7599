"""The rescue needs only ARI's section of the profile: it must work after a profile edit
that breaks everything else (the failed start it exists for), from the environment alone
if the file cannot be read at all, and say which field is wrong when ARI's is."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent.config import ConfigError, ari_settings, load_settings
from agent.telephony.guard import prepare

ENV = {"RUFBEREIT_ARI_PASSWORD": "from-env"}


def test_a_broken_business_section_still_gives_ari(tmp_path: Path) -> None:
    profile = tmp_path / "profile.yaml"
    profile.write_text(
        "business:\n  name: 42\nari:\n  url: http://10.0.0.5:8088/ari\n  password: pw\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError):
        load_settings(profile, env={})
    ari = ari_settings(profile, env={})
    assert ari.url == "http://10.0.0.5:8088/ari"
    assert ari.password.get_secret_value() == "pw"
    assert ari.app == "rufbereit"
    prepared = prepare(profile)  # the guard: no office, no database, ARI all the same
    assert prepared.ari_url == "http://10.0.0.5:8088/ari" and prepared.office is None


def test_unreadable_yaml_falls_back_to_the_environment(tmp_path: Path) -> None:
    profile = tmp_path / "profile.yaml"
    profile.write_text("business:\n  name: [unclosed\n", encoding="utf-8")
    ari = ari_settings(profile, env={**ENV, "RUFBEREIT_ARI_URL": "http://pbx:8088/ari"})
    assert ari.url == "http://pbx:8088/ari"
    assert ari.password.get_secret_value() == "from-env"
    missing = ari_settings(tmp_path / "nowhere.yaml", env=ENV)
    assert missing.password.get_secret_value() == "from-env"


def test_a_bad_ari_section_names_the_field(tmp_path: Path) -> None:
    profile = tmp_path / "profile.yaml"
    profile.write_text("ari:\n  url: ftp://pbx\n  password: pw\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"ari\.url"):
        ari_settings(profile, env={})
    with pytest.raises(ConfigError, match=r"ari\.password.*RUFBEREIT_ARI_PASSWORD"):
        ari_settings(tmp_path / "nowhere.yaml", env={})


def test_the_example_profile_gives_the_office_and_the_database() -> None:
    prepared = prepare(None)
    settings = load_settings(env={})
    assert prepared.office == settings.business.handover.office
    assert prepared.database_url == settings.database.url.get_secret_value()


def test_rescue_without_asterisk_fails_with_the_reason(tmp_path: Path) -> None:
    """`rufbereit rescue` when ARI cannot be reached: exit 1 and why (nothing listens on
    port 9 here)."""
    env = {"RUFBEREIT_ARI_URL": "http://127.0.0.1:9/ari", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "agent", "rescue"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "rescue failed" in done.stdout and "127.0.0.1:9" in done.stdout


def _no_asterisk_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUFBEREIT_")}
    return {**env, "RUFBEREIT_ARI_URL": "http://127.0.0.1:9/ari", "RUFBEREIT_LOG_FORMAT": "text"}


def test_the_guard_acts_the_moment_its_agent_is_killed() -> None:
    """However the agent ends (here SIGKILL, which nothing can catch), the guard it
    started notices at once and runs the rescue (which, with no Asterisk, fails and says
    so); then it exits."""
    code = (
        "from agent.telephony import guard; import time; guard.start(None); "
        "print('up', flush=True); time.sleep(60)"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], env=_no_asterisk_env(),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stdout.readline().strip() == "up"
    time.sleep(1.0)  # the guard has read its settings
    t0 = time.monotonic()
    proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate(timeout=20)  # stderr stays open until the guard exits too
    took = time.monotonic() - t0
    assert "guard: the agent ended" in err and "rescue failed" in err, err
    assert "127.0.0.1:9" in err
    assert took < 3.0, f"the guard took {took:.1f} s"


def test_as_parent_the_guard_passes_on_the_agents_exit_status(tmp_path: Path) -> None:
    """In a container the guard is PID 1 and the agent its child: a start that fails
    (a broken profile) is still followed by the rescue, and the container exits with the
    agent's status."""
    bad = tmp_path / "broken.yaml"
    bad.write_text("business:\n  name: [unclosed\n", encoding="utf-8")
    env = {**_no_asterisk_env(), "RUFBEREIT_GUARD": "parent", "RUFBEREIT_ARI_PASSWORD": "x"}
    done = subprocess.run(
        [sys.executable, "-m", "agent", "--profile", str(bad), "run"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "is not valid YAML" in done.stderr
    assert "guard: the agent ended" in done.stderr and "rescue failed" in done.stderr
