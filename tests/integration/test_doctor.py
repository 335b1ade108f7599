"""`rufbereit doctor` against the real lab: each check tells the truth and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.app import running_agent
from agent.config import load_settings
from agent.doctor import Check, run_checks

pytestmark = pytest.mark.integration


def _by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


async def test_everything_green_while_the_agent_runs(
    lab: None, pg_database: str, tmp_path: Path
) -> None:
    settings = load_settings(
        env={"RUFBEREIT_DATABASE_URL": pg_database, "RUFBEREIT_SPOOL_DIR": str(tmp_path)}
    )
    async with running_agent(settings):
        checks = _by_name(await run_checks(settings))
    assert all(c.ok for c in checks.values()), checks
    assert "22." in checks["ARI"].detail  # the Asterisk version is reported
    assert "rufbereit-fallback" in checks["dialplan"].detail


async def test_agent_not_running_is_reported_with_the_fix(lab: None, pg_database: str) -> None:
    checks = _by_name(await run_checks(load_settings(env={"RUFBEREIT_DATABASE_URL": pg_database})))
    app = checks["Stasis app"]
    assert not app.ok and app.fix is not None and "rufbereit run" in app.fix
    assert checks["ARI"].ok and checks["dialplan"].ok and checks["media"].ok


async def test_wrong_password_and_dead_database(lab: None) -> None:
    settings = load_settings(
        env={
            "RUFBEREIT_ARI_PASSWORD": "wrong&pass=2",
            "RUFBEREIT_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/rufbereit",
        }
    )
    checks = _by_name(await run_checks(settings))
    assert not checks["ARI"].ok and "401" in checks["ARI"].detail
    assert checks["ARI"].fix is not None and "RUFBEREIT_ARI_PASSWORD" in checks["ARI"].fix
    assert not checks["database"].ok and "spooled" in (checks["database"].fix or "")
