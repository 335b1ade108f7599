"""The console's users: a name, an argon2 hash, one role."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal, LiteralString

from agent.storage.database import Database

from .passwords import check_strength, hash_password

Role = Literal["owner", "office", "admin"]
ROLES: tuple[Role, ...] = ("owner", "office", "admin")
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-@")


class UserError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class User:
    id: uuid.UUID
    username: str
    role: Role
    disabled: bool = False


def clean_name(username: str) -> str:
    name = username.strip().lower()
    if not 2 <= len(name) <= 64 or not set(name) <= _NAME_CHARS:
        raise UserError(
            f"{username!r}: a user name has 2 to 64 characters: letters, digits, . _ - @"
        )
    return name


def check_role(role: str) -> Role:
    if role not in ROLES:
        raise UserError(f"{role!r} is not a role; use one of {', '.join(ROLES)}")
    return role


class Users:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, username: str, password: str, role: str) -> User:
        name, checked = clean_name(username), check_role(role)
        check_strength(password, name)
        user = User(uuid.uuid4(), name, checked)
        async with self._db.connection() as conn:
            cur = await conn.execute(
                "INSERT INTO console_users (id, username, password_hash, role) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT (username) DO NOTHING",
                (user.id, name, hash_password(password), checked),
            )
            if cur.rowcount == 0:
                raise UserError(f"there is a user {name!r} already (rufbereit users passwd)")
        return user

    async def set_password(self, username: str, password: str) -> None:
        name = clean_name(username)
        check_strength(password, name)
        await self._update(
            "UPDATE console_users SET password_hash = %s, updated_at = now() WHERE username = %s",
            hash_password(password),
            name,
        )
        async with self._db.connection() as conn:  # every session of theirs ends
            await conn.execute(
                "DELETE FROM console_sessions s USING console_users u "
                "WHERE s.user_id = u.id AND u.username = %s",
                (name,),
            )

    async def set_hash(self, username: str, password_hash: str) -> None:
        """Store a new hash of the same password (the hasher's parameters changed)."""
        await self._update(
            "UPDATE console_users SET password_hash = %s, updated_at = now() WHERE username = %s",
            password_hash,
            username,
        )

    async def set_disabled(self, username: str, disabled: bool) -> None:
        await self._update(
            "UPDATE console_users SET disabled = %s, updated_at = now() WHERE username = %s",
            disabled,
            clean_name(username),
        )

    async def unlock(self, username: str) -> int:
        """Forget the failed log-ins that lock ``username`` out; how many there were."""
        async with self._db.connection() as conn:
            cur = await conn.execute(
                "DELETE FROM console_logins WHERE username = %s AND NOT ok",
                (clean_name(username),),
            )
            return cur.rowcount

    async def find(self, username: str) -> tuple[User, str] | None:
        """The user and their password hash, or None."""
        async with self._db.connection() as conn:
            cur = await conn.execute(
                "SELECT id, username, role, disabled, password_hash FROM console_users "
                "WHERE username = %s",
                (username.strip().lower(),),
            )
            row = await cur.fetchone()
        if row is None:
            return None
        return User(row[0], row[1], row[2], row[3]), row[4]

    async def all(self) -> list[User]:
        async with self._db.connection() as conn:
            cur = await conn.execute(
                "SELECT id, username, role, disabled FROM console_users ORDER BY username"
            )
            return [User(*row) for row in await cur.fetchall()]

    async def _update(self, sql: LiteralString, value: object, name: str) -> None:
        async with self._db.connection() as conn:
            cur = await conn.execute(sql, (value, name))
            if cur.rowcount == 0:
                raise UserError(f"there is no user {name!r} (rufbereit users list)")
