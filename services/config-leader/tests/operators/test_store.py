"""The operators' SQLite file: rows, stamps, logouts, the signing key, permissions read back."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

from config_leader.operators.permissions import Permissions, every_permission
from config_leader.operators.store import OperatorStore

READ = Permissions.model_validate({"settings": ["read"]})


def test_create_refuses_a_taken_name_and_never_keeps_the_password(tmp_path: Path) -> None:
    store = OperatorStore(tmp_path / "ops.db")
    assert store.create("alice", "$2b$12$hash", READ)
    assert not store.create("alice", "$2b$12$other", every_permission())
    found = store.get("alice")
    assert found is not None and found.permissions == READ
    assert found.public() == {
        "username": "alice",
        "permissions": {"settings": ["read"], "users": [], "platformUsers": []},
    }
    assert (tmp_path / "ops.db").stat().st_mode & 0o777 == 0o600


def test_a_new_password_or_a_new_operator_of_the_same_name_renews_the_stamp(tmp_path: Path) -> None:
    store = OperatorStore(tmp_path / "ops.db")
    store.create("bob", "h1", READ)
    first = store.get("bob")
    assert first is not None
    assert store.set_password("bob", "h2")
    second = store.get("bob")
    assert second is not None and second.stamp != first.stamp and second.password_hash == "h2"
    assert store.delete("bob") and store.create("bob", "h3", READ)
    third = store.get("bob")
    assert third is not None and third.stamp not in (first.stamp, second.stamp)
    assert not store.set_password("nobody", "h")


def test_a_row_the_original_wrote_gets_a_stamp_and_loses_unknown_actions(tmp_path: Path) -> None:
    store = OperatorStore(tmp_path / "ops.db")
    with sqlite3.connect(tmp_path / "ops.db") as db:
        db.execute(
            "INSERT INTO users(username, password, permissions) VALUES (?, ?, ?)",
            ("legacy", "h", json.dumps({"settings": ["read", "fly"], "users": "read"})),
        )
    found, revoked = store.get_with_revocation("legacy", "some-jti")
    assert found is not None and found.stamp and not revoked
    assert found.permissions.as_json() == {"settings": ["read"], "users": [], "platformUsers": []}
    assert store.get("legacy") == found  # the stamp is kept once made


def test_logouts_are_kept_until_the_token_expires(tmp_path: Path) -> None:
    store = OperatorStore(tmp_path / "ops.db")
    store.create("carol", "h", READ)
    now = int(time.time())
    store.revoke("expired-jti", now - 10)
    store.revoke("live-jti", now + 600)  # each revoke drops the expired ones
    assert store.get_with_revocation("carol", "live-jti")[1]
    with sqlite3.connect(tmp_path / "ops.db") as db:
        assert db.execute("SELECT jti FROM revoked_tokens").fetchall() == [("live-jti",)]


def test_one_signing_key_per_file(tmp_path: Path) -> None:
    store = OperatorStore(tmp_path / "ops.db")
    assert store.signing_key_pem(b"first") == b"first"
    assert OperatorStore(tmp_path / "ops.db").signing_key_pem(b"second") == b"first"


def test_granting_beyond_ones_own_is_named() -> None:
    wanted = Permissions.model_validate({"settings": ["read", "update"], "users": ["create"]})
    assert wanted.beyond(READ) == ["settings:update", "users:create"]
    assert wanted.beyond(every_permission()) == []
