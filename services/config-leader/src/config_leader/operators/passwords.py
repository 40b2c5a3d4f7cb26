"""Password hashing with bcrypt (the original's hash), off the event loop and a few at a time."""

from __future__ import annotations

import asyncio
import functools
import secrets

import bcrypt

# bcrypt reads at most 72 bytes; a longer password is refused rather than silently cut
MAX_PASSWORD_BYTES = 72
MIN_PASSWORD_CHARS = 8
ROUNDS = 12
# each hash costs tens to hundreds of milliseconds of CPU: at most this many at once per process,
# so a burst of logins queues instead of taking every thread
_HASHING = asyncio.Semaphore(2)


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < MIN_PASSWORD_CHARS:
        return f"a password has at least {MIN_PASSWORD_CHARS} characters"
    if len(password.encode("utf-8", "surrogatepass")) > MAX_PASSWORD_BYTES:
        return f"a password has at most {MAX_PASSWORD_BYTES} bytes in UTF-8 (bcrypt's limit)"
    return None


async def hash_password(password: str) -> str:
    """A bcrypt hash of a password password_problem() accepted."""
    raw = password.encode("utf-8", "surrogatepass")
    async with _HASHING:
        hashed = await asyncio.to_thread(bcrypt.hashpw, raw, bcrypt.gensalt(ROUNDS))
    return hashed.decode()


async def password_matches(password: str, stored_hash: str | None) -> bool:
    """Whether `password` matches the hash; a missing operator costs a hash too (no timing hint)."""
    raw = password.encode("utf-8", "surrogatepass")
    if len(raw) > MAX_PASSWORD_BYTES:
        return False
    target = (stored_hash or _dummy_hash()).encode()
    async with _HASHING:
        try:
            matches = await asyncio.to_thread(bcrypt.checkpw, raw, target)
        except ValueError:  # not a bcrypt hash
            return False
    return matches and stored_hash is not None


def random_password() -> str:
    """A new random password (reset by an operator who may reset passwords)."""
    return secrets.token_urlsafe(15)


@functools.cache
def _dummy_hash() -> str:
    return bcrypt.hashpw(b"no operator has this password", bcrypt.gensalt(ROUNDS)).decode()
