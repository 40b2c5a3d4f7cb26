"""Operators in a SQLite file: the original leader's `users` table, plus what tokens need.

`users(id, username, password, permissions)` is the original's table (bcrypt hashes, permissions
as JSON), so a leader pointed at the original's config-user-management.db keeps its users. Beside
it: `token_stamps` (a random stamp per operator, renewed when the password changes, which ends
every token issued before), `revoked_tokens` (tokens ended by logout, kept until they expire) and
`signing_key` (the leader's Ed25519 key, shared by every instance using this file). Every call
opens its own connection: SQLite serialises writers across processes; call from a thread.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from config_leader.operators.permissions import KNOWN_ACTIONS, Permissions, stored_groups

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
  id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE, password TEXT NOT NULL, permissions TEXT
);
CREATE TABLE IF NOT EXISTS token_stamps (username TEXT PRIMARY KEY, stamp TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS revoked_tokens (jti TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS signing_key (
  id INTEGER PRIMARY KEY CHECK (id = 1), private_pem TEXT NOT NULL
);
"""
LOCK_WAIT_SECONDS = 10


@dataclass(frozen=True)
class StoredOperator:
    """One row of `users` with its token stamp."""

    username: str
    password_hash: str
    permissions: Permissions
    stamp: str

    def public(self) -> dict[str, object]:
        """The operator as the API shows it: name and permissions, never the hash."""
        return {"username": self.username, "permissions": self.permissions.as_json()}


def _permissions(raw: str | None) -> Permissions:
    """Permissions as stored; an unknown action written by another program is dropped."""
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        value = {}
    value = stored_groups(value) if isinstance(value, dict) else value
    clean: dict[str, list[str]] = {}
    for group, known in KNOWN_ACTIONS.items():
        actions = value.get(group) if isinstance(value, dict) else None
        clean[group] = [a for a in actions or [] if a in known] if isinstance(actions, list) else []
    return Permissions.model_validate(clean)


class OperatorStore:
    """The operators' SQLite file (created 0600 with its tables at first use)."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        # the file holds password hashes and the signing key: only the leader's user reads it
        os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
        with self._connect() as db:
            db.executescript(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=LOCK_WAIT_SECONDS, isolation_level=None)
        try:
            yield db
        finally:
            db.close()

    def signing_key_pem(self, generate: bytes) -> bytes:
        """The stored private key; `generate` is stored first if none is (one key per file)."""
        with self._connect() as db:
            db.execute(
                "INSERT OR IGNORE INTO signing_key(id, private_pem) VALUES (1, ?)",
                (generate.decode(),),
            )
            (pem,) = db.execute("SELECT private_pem FROM signing_key WHERE id = 1").fetchone()
        return str(pem).encode()

    def get(self, username: str) -> StoredOperator | None:
        """One operator with its stamp (a stamp is created for a row the original wrote)."""
        with self._connect() as db:
            return self._get(db, username)

    def get_with_revocation(self, username: str, jti: str) -> tuple[StoredOperator | None, bool]:
        """One operator, and whether a logout ended token `jti` (one connection per request)."""
        with self._connect() as db:
            found = self._get(db, username)
            revoked = db.execute("SELECT 1 FROM revoked_tokens WHERE jti = ?", (jti,)).fetchone()
        return found, revoked is not None

    @staticmethod
    def _get(db: sqlite3.Connection, username: str) -> StoredOperator | None:
        row = db.execute(
            "SELECT u.password, u.permissions, s.stamp FROM users u "
            "LEFT JOIN token_stamps s ON s.username = u.username WHERE u.username = ?",
            (username,),
        ).fetchone()
        if row is None:
            return None
        stamp = row[2]
        if stamp is None:  # written by the original: a stamp once (a write only then)
            db.execute(
                "INSERT OR IGNORE INTO token_stamps(username, stamp) VALUES (?, ?)",
                (username, secrets.token_hex(16)),
            )
            (stamp,) = db.execute(
                "SELECT stamp FROM token_stamps WHERE username = ?", (username,)
            ).fetchone()
        return StoredOperator(username, row[0], _permissions(row[1]), stamp)

    def list(self) -> list[StoredOperator]:
        """Every operator, by name (stamps left empty: not needed to list)."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT username, password, permissions FROM users ORDER BY username"
            ).fetchall()
        return [StoredOperator(name, pw, _permissions(perms), "") for name, pw, perms in rows]

    def create(self, username: str, password_hash: str, permissions: Permissions) -> bool:
        """Adds an operator; False when the name is taken."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute(
                    "INSERT INTO users(username, password, permissions) VALUES (?, ?, ?)",
                    (username, password_hash, json.dumps(permissions.as_stored())),
                )
            except sqlite3.IntegrityError:
                db.execute("ROLLBACK")
                return False
            # a new stamp: tokens of an earlier operator of the same name stay ended
            db.execute(
                "INSERT OR REPLACE INTO token_stamps(username, stamp) VALUES (?, ?)",
                (username, secrets.token_hex(16)),
            )
            db.execute("COMMIT")
        return True

    def set_password(self, username: str, password_hash: str) -> bool:
        """Replaces the hash and renews the stamp (ending every token); False if unknown."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            changed = db.execute(
                "UPDATE users SET password = ? WHERE username = ?", (password_hash, username)
            ).rowcount
            if changed:
                db.execute(
                    "INSERT OR REPLACE INTO token_stamps(username, stamp) VALUES (?, ?)",
                    (username, secrets.token_hex(16)),
                )
            db.execute("COMMIT")
        return bool(changed)

    def set_permissions(self, username: str, permissions: Permissions) -> bool:
        """Replaces the operator's permissions; False if unknown."""
        with self._connect() as db:
            changed = db.execute(
                "UPDATE users SET permissions = ? WHERE username = ?",
                (json.dumps(permissions.as_stored()), username),
            ).rowcount
        return bool(changed)

    def delete(self, username: str) -> bool:
        """Removes an operator (its tokens end with it); False if unknown."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            deleted = db.execute("DELETE FROM users WHERE username = ?", (username,)).rowcount
            db.execute("DELETE FROM token_stamps WHERE username = ?", (username,))
            db.execute("COMMIT")
        return bool(deleted)

    def revoke(self, jti: str, expires_at: int) -> None:
        """Ends one token until it expires; expired entries are dropped on the way."""
        with self._connect() as db:
            db.execute("DELETE FROM revoked_tokens WHERE expires_at < ?", (int(time.time()),))
            db.execute(
                "INSERT OR IGNORE INTO revoked_tokens(jti, expires_at) VALUES (?, ?)",
                (jti, expires_at),
            )
