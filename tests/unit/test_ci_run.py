"""`.ci/run`: lint, typecheck and every test; CI fails if any fails; the lab always goes down.

Run with a stand-in ``make`` first on PATH that records its targets (and fails the ones
asked for), so nothing is built, linted or tested for real here.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

CI = Path(__file__).resolve().parents[2] / ".ci" / "run"

FAKE_MAKE = """#!/bin/sh
echo "$*" >>"$FAKE_MAKE_LOG"
for target in $FAKE_MAKE_FAIL; do
  [ "$1" = "$target" ] && exit 7
done
exit 0
"""


def run_ci(tmp_path: Path, fail: tuple[str, ...] = ()) -> tuple[int, list[str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    make = bin_dir / "make"
    make.write_text(FAKE_MAKE)
    make.chmod(0o755)
    log = tmp_path / "make.log"
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "FAKE_MAKE_LOG": str(log),
        "FAKE_MAKE_FAIL": " ".join(fail),
    }
    proc = subprocess.run([str(CI)], env=env, capture_output=True, text=True, timeout=60)
    calls = log.read_text().splitlines() if log.exists() else []
    return proc.returncode, calls


def test_ci_runs_lint_typecheck_and_the_tests(tmp_path: Path) -> None:
    status, calls = run_ci(tmp_path)
    assert status == 0
    assert {"lint", "typecheck", "test"} <= set(calls), calls
    assert calls[-1] == "lab-down", calls


@pytest.mark.parametrize("failing", ["lint", "typecheck", "test"])
def test_ci_fails_if_any_step_fails_and_still_runs_the_rest(tmp_path: Path, failing: str) -> None:
    status, calls = run_ci(tmp_path, fail=(failing,))
    assert status != 0, f"CI passed although make {failing} failed"
    assert {"lint", "typecheck", "test"} <= set(calls), calls  # every check still reports
    assert calls[-1] == "lab-down", calls


def test_ci_takes_the_lab_down_even_if_that_fails(tmp_path: Path) -> None:
    status, calls = run_ci(tmp_path, fail=("lab-down",))
    assert status == 0
    assert calls[-1] == "lab-down"
