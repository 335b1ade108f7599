"""Log-in sessions and the lock-out.

A session is a random token in an HttpOnly cookie; the database keeps only its SHA-256,
so a leaked table opens no session. Each session has its own CSRF token, which every
form and every htmx request must send back. A user (or an address) with
``max_failed_logins`` failures within ``lockout_min`` minutes is locked out until the
last of them is that old; ``rufbereit users unlock`` ends it early.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from agent.storage.database import Database

from .settings import ConsoleSettings
from .users import User

ADDRESS_FACTOR = 4  # an address may fail for this many users' worth before it is locked


@dataclass(frozen=True, slots=True)
class Session:
    user: User
    csrf: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Sessions:
    def __init__(self, db: Database, settings: ConsoleSettings) -> None:
        self._db = db
        self._s = settings

    async def start(self, user: User, address: str) -> tuple[str, str]:
        """A new session for ``user``: (the cookie's token, its CSRF token)."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        async with self._db.connection() as conn:
            await conn.execute(
                "INSERT INTO console_sessions (token_hash, user_id, csrf, address, expires_at) "
                "VALUES (%s, %s, %s, %s, now() + %s)",
                (_digest(token), user.id, csrf, address, timedelta(hours=self._s.session_max_h)),
            )
        return token, csrf

    async def find(self, token: str) -> Session | None:
        """The live session of ``token`` (and it is touched), or None: unknown, expired,
        idle too long, or its user disabled."""
        async with self._db.connection() as conn:
            cur = await conn.execute(
                "UPDATE console_sessions s SET last_seen_at = now() FROM console_users u "
                "WHERE s.token_hash = %s AND u.id = s.user_id AND NOT u.disabled "
                "AND s.expires_at > now() AND s.last_seen_at > now() - %s "
                "RETURNING u.id, u.username, u.role, s.csrf",
                (_digest(token), timedelta(minutes=self._s.session_idle_min)),
            )
            row = await cur.fetchone()
        if row is None:
            return None
        return Session(User(row[0], row[1], row[2]), row[3])

    async def end(self, token: str) -> None:
        async with self._db.connection() as conn:
            await conn.execute(
                "DELETE FROM console_sessions WHERE token_hash = %s OR expires_at < now()",
                (_digest(token),),
            )

    async def note_login(self, username: str, address: str, ok: bool) -> None:
        async with self._db.connection() as conn:
            await conn.execute(
                "INSERT INTO console_logins (username, address, ok) VALUES (%s, %s, %s)",
                (username.strip().lower()[:64], address, ok),
            )

    async def locked_for(self, username: str, address: str) -> timedelta | None:
        """How long ``username`` (or ``address``) stays locked out, or None. Failures
        count since the last successful log-in of that name."""
        window = timedelta(minutes=self._s.lockout_min)
        limit = self._s.max_failed_logins
        async with self._db.connection() as conn:
            cur = await conn.execute(
                "SELECT count(*), max(at) + %s - now() FROM console_logins "
                "WHERE username = %s AND NOT ok AND at > now() - %s AND at > coalesce("
                "(SELECT max(at) FROM console_logins WHERE username = %s AND ok), '-infinity')",
                (window, username.strip().lower(), window, username.strip().lower()),
            )
            by_name = await cur.fetchone()
            cur = await conn.execute(
                "SELECT count(*), max(at) + %s - now() FROM console_logins "
                "WHERE address = %s AND NOT ok AND at > now() - %s",
                (window, address, window),
            )
            by_address = await cur.fetchone()
        for row, most in ((by_name, limit), (by_address, limit * ADDRESS_FACTOR)):
            if row is not None and row[0] >= most and row[1] is not None:
                left: timedelta = row[1]
                return max(left, timedelta(seconds=1))
        return None
