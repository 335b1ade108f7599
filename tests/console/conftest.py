"""The console on the lab's PostgreSQL: a profile file of its own (a copy of the example,
so it can be edited), three users, and an HTTP client on the app (httpx, in process)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml
from starlette.applications import Starlette

from agent.config import Settings, example_profile_data, load_settings
from agent.console.app import make_console
from agent.console.users import Users
from agent.storage.database import Database

PASSWORDS = {"chefin": "Heizung-2026!", "buero": "Termine&Kaffee9", "technik": "Asterisk#22lab"}
ROLES = {"chefin": "owner", "buero": "office", "technik": "admin"}


@dataclass
class Console:
    app: Starlette
    settings: Settings
    profile: Path
    db: Database
    saved: list[int]


@pytest.fixture
async def console(migrated_db: Database, pg_database: str, tmp_path: Path) -> Console:
    data = example_profile_data()
    data["database"] = {"url": pg_database, "spool_dir": str(tmp_path / "spool")}
    path = tmp_path / "profile.yaml"
    text = "# Müller Sanitär: the admin's comment, kept by every change from the console\n"
    path.write_text(text + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    settings = load_settings(path, env={})
    users = Users(migrated_db)
    for name, password in PASSWORDS.items():
        await users.add(name, password, ROLES[name])
    saved: list[int] = []
    app = make_console(settings, migrated_db, path, env={},
                       on_profile_saved=lambda: saved.append(1))  # fmt: skip
    return Console(app, settings, path, migrated_db, saved)


@pytest.fixture
async def client(console: Console) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=console.app, client=("192.0.2.10", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://console") as c:
        yield c


async def log_in(client: httpx.AsyncClient, name: str, password: str | None = None) -> str:
    """Log in; the CSRF token of the new session (read from the page, as a browser would)."""
    r = await client.post(
        "/login", data={"username": name, "password": password or PASSWORDS[name]}
    )
    assert r.status_code == 303, r.text
    page = await client.get(r.headers["location"])
    assert page.status_code == 200, page.text
    match = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert match, "no CSRF token on the page"
    return match.group(1)
