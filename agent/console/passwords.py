"""Password hashes: argon2id with argon2-cffi's recommended parameters (RFC 9106's
low-memory profile), re-hashed on log-in when those change."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10

_hasher = PasswordHasher()
# Verified against when the user does not exist, so that a wrong name takes as long as a
# wrong password and the answer's timing does not tell which names exist.
_DUMMY = _hasher.hash("rufbereit: no such user")


class WeakPassword(ValueError):
    pass


def check_strength(password: str, username: str) -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"the password needs at least {MIN_LENGTH} characters")
    if username and username.lower() in password.lower():
        raise WeakPassword("the password must not contain the user name")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(stored: str | None, password: str) -> bool:
    """Does ``password`` match ``stored``? With None (no such user) it takes as long as a
    real check and says no."""
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)
