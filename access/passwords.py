"""Local passwords: argon2id (argon2-cffi's RFC 9106 low-memory profile: 64 MiB, 3 passes,
4 lanes), a minimum length, and strong one-time passwords for new accounts.

A stored hash names its own parameters (`$argon2id$v=19$m=65536,t=3,p=4$…`), so a hash made
with weaker parameters still verifies and `needs_rehash` tells the sign-in to replace it.
"""

from __future__ import annotations

import secrets
from functools import cache

# 24 symbols of an alphabet without look-alikes (0/O, 1/l/I): about 137 bits
_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
ONE_TIME_LENGTH = 24


_HASHER = None  # argon2-cffi's PasswordHasher, made on first use (tests put a faster one here)


def _hasher():
    """The hasher, made on first use: argon2 is imported only by the processes that hash or
    check a password (sign-in, `hall user`), not by every reader of `access.accounts`
    (`hall metrics` and the other reading commands)."""
    global _HASHER
    if _HASHER is None:
        from argon2 import PasswordHasher, Type

        _HASHER = PasswordHasher(type=Type.ID)
    return _HASHER


class PasswordRefused(ValueError):
    """A password that breaks a rule; the message is in Chinese and English."""


def check_rules(password: str, min_length: int) -> None:
    """Raise PasswordRefused when the password is too short (characters, not bytes)."""
    if len(password) < min_length:
        raise PasswordRefused(
            f"密码太短：至少需要 {min_length} 个字符，这个只有 {len(password)} 个 / "
            f"password too short: at least {min_length} characters are needed, "
            f"this one has {len(password)}"
        )
    if not password.strip():
        raise PasswordRefused("密码不能只有空白 / a password cannot be only spaces")


def hash_password(password: str) -> str:
    """The argon2id hash to store (salted: two calls give two different hashes)."""
    return _hasher().hash(password)


def verify(stored: str | None, password: str) -> bool:
    """Whether the password matches the stored hash; False for a missing or unreadable hash."""
    from argon2.exceptions import InvalidHashError, VerificationError

    if not stored:
        return False
    try:
        return _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether the hash was made with other parameters than today's (rehash after sign-in)."""
    from argon2.exceptions import InvalidHashError

    try:
        return _hasher().check_needs_rehash(stored)
    except InvalidHashError:
        return True


@cache
def dummy_hash() -> str:
    """A hash of nothing anyone knows: an unknown login is verified against it, so that it
    takes as long to refuse as a wrong password."""
    return _hasher().hash(secrets.token_urlsafe(16))


def one_time_password() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(ONE_TIME_LENGTH))
