"""Operators on a real leader process: sign in, permissions per route, logout, expiry, password
change, /users CRUD, the admin key beside them, and a restart keeping them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import bcrypt
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from leader_process import (
    FIRST_USER,
    LeaderSetup,
    OperatorsApi,
    error_message,
    operators_leader,
)

EVERY = {
    "settings": ["notify", "read", "update"],
    "users": ["changePermissions", "create", "delete", "read", "resetPassword"],
    "platformUsers": ["delete", "modify", "read"],
    "fleet": ["act", "update"],
    "analytics": ["update"],
    "imports": ["update"],
    "metrics": ["update"],
}
NOTHING: dict[str, list[str]] = {"settings": [], "users": [], "platformUsers": []}


@pytest.fixture(scope="module")
def leader(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LeaderSetup, OperatorsApi]]:
    with operators_leader(tmp_path_factory.mktemp("operators")) as started:
        yield started


@pytest.fixture
def api(leader: tuple[LeaderSetup, OperatorsApi]) -> OperatorsApi:
    return leader[1]


def test_the_first_operator_signs_in_with_every_permission(api: OperatorsApi) -> None:
    response = api.call(
        "POST", "/auth/login", json={"username": FIRST_USER, "password": api.first_password}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user"] == {"username": FIRST_USER, "permissions": EVERY}
    assert body["expiresAt"].endswith("Z")
    me = api.call("GET", "/auth/me", token=body["token"])
    assert me.status_code == 200, me.text
    assert me.json()["user"]["username"] == FIRST_USER
    # the original's admin app sends the token bare in Authorization
    assert api.call("GET", "/auth/me", key=body["token"]).status_code == 200


def test_wrong_password_and_unknown_operator_are_the_same_401(api: OperatorsApi) -> None:
    wrong = api.call(
        "POST", "/auth/login", json={"username": FIRST_USER, "password": "not-it-at-all"}
    )
    unknown = api.call(
        "POST", "/auth/login", json={"username": "nobody-here", "password": "whatever1"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert error_message(wrong) == error_message(unknown) == "wrong username or password"
    missing = api.call("POST", "/auth/login", json={"username": FIRST_USER})
    assert missing.status_code == 400
    assert "password" in error_message(missing)
    assert api.call("GET", "/auth/me").status_code == 401
    assert api.call("GET", "/auth/me", token="a.b.c").status_code == 401


def test_each_admin_route_needs_its_permission(api: OperatorsApi) -> None:
    reader, reader_pw = api.create({**NOTHING, "settings": ["read"]})
    notifier, notifier_pw = api.create({**NOTHING, "settings": ["notify"]})
    manager, manager_pw = api.create({**NOTHING, "users": ["read", "create"]})
    reader_t = api.login(reader, reader_pw)
    notifier_t = api.login(notifier, notifier_pw)
    manager_t = api.login(manager, manager_pw)

    assert api.call("GET", "/admin/settings", token=reader_t).status_code == 200
    assert api.call("GET", "/admin/settings/history", token=reader_t).status_code == 200
    refused = api.call("PUT", "/admin/settings", token=reader_t, json={"DOMAIN": "x.example"})
    assert refused.status_code == 403
    assert "settings:update" in refused.text
    assert api.call("POST", "/admin/notify", token=reader_t).status_code == 403
    assert api.call("POST", "/admin/settings/rollback/1", token=reader_t).status_code == 403
    assert api.call("GET", "/users", token=reader_t).status_code == 403

    assert api.call("POST", "/admin/notify", token=notifier_t).status_code == 200
    assert api.call("GET", "/admin/settings", token=notifier_t).status_code == 403
    assert (
        api.call(
            "PUT", "/admin/settings", token=notifier_t, json={"DOMAIN": "y.example"}
        ).status_code
        == 403
    )

    assert api.call("GET", "/users", token=manager_t).status_code == 200
    assert api.call("GET", "/admin/settings", token=manager_t).status_code == 403
    assert api.call("DELETE", f"/users/{reader}", token=manager_t).status_code == 403
    # nobody grants what they do not hold
    beyond = api.call(
        "POST",
        "/users",
        token=manager_t,
        json={"username": "escalated", "password": "long-enough-1", "permissions": EVERY},
    )
    assert beyond.status_code == 403
    assert "settings:update" in error_message(beyond)
    within = api.call(
        "POST",
        "/users",
        token=manager_t,
        json={
            "username": f"{manager}-made",
            "password": "long-enough-1",
            "permissions": {"users": ["read"]},
        },
    )
    assert within.status_code == 201, within.text


def test_the_admin_key_keeps_working_and_a_wrong_key_is_401(api: OperatorsApi) -> None:
    assert api.call("GET", "/admin/settings", key=api.admin_key).status_code == 200
    assert api.call("GET", "/admin/settings", params={"auth": api.admin_key}).status_code == 200
    assert api.call("GET", "/users", key=api.admin_key).status_code == 200
    assert api.call("GET", "/users", token=api.admin_key).status_code == 200  # as a Bearer too
    wrong = api.call("GET", "/users", key="not-the-admin-key")
    assert wrong.status_code == 401
    assert error_message(wrong).startswith("wrong credentials")
    assert api.call("GET", "/admin/settings", key="not-the-admin-key").status_code == 401
    # the admin key is nobody: it has no session to end nor a password to change
    assert api.call("POST", "/auth/logout", key=api.admin_key).status_code == 403


def test_logout_ends_that_token_only(api: OperatorsApi) -> None:
    username, password = api.create({**NOTHING, "settings": ["read"]})
    first, second = api.login(username, password), api.login(username, password)
    assert api.call("GET", "/admin/settings", token=first).status_code == 200
    out = api.call("POST", "/auth/logout", token=first)
    assert out.status_code == 200, out.text
    ended = api.call("GET", "/admin/settings", token=first)
    assert ended.status_code == 401
    assert "logout" in ended.text
    assert api.call("POST", "/auth/logout", token=first).status_code == 401
    assert api.call("GET", "/admin/settings", token=second).status_code == 200


def test_an_operator_changes_their_own_password(
    leader: tuple[LeaderSetup, OperatorsApi], api: OperatorsApi
) -> None:
    username, password = api.create({**NOTHING, "settings": ["read"]})
    other, _ = api.create(NOTHING)
    token = api.login(username, password)
    path = f"/users/{username}/change-password"
    new = "a-new-password-42"

    def change(old: str, new_password: str, check: str, at: str = path) -> int:
        body = {"oldPassword": old, "newPassword": new_password, "newPasswordCheck": check}
        return api.call("POST", at, token=token, json=body).status_code

    assert change("not-my-password", new, new) == 400
    assert change(password, new, new + "x") == 400
    assert change(password, "short", "short") == 400
    assert change(password, new, new, at=f"/users/{other}/change-password") == 403
    assert change(password, new, new) == 200
    assert api.call("GET", "/admin/settings", token=token).status_code == 401  # tokens end
    old = api.call("POST", "/auth/login", json={"username": username, "password": password})
    assert old.status_code == 401
    assert api.call("GET", "/admin/settings", token=api.login(username, new)).status_code == 200
    log = leader[0].leader
    leader[0].wait_until(lambda: f"{username} changed their password" in log.log_text(), "audit")
    assert f"sign-in refused for '{username}'" in log.log_text()
    assert password not in log.log_text() and new not in log.log_text()


def test_users_crud(api: OperatorsApi) -> None:
    admin = api.first_token()
    username, password = api.create({**NOTHING, "settings": ["read"]}, by=admin)
    again = api.call(
        "POST",
        "/users",
        token=admin,
        json={"username": username, "password": "another-one-1", "permissions": NOTHING},
    )
    assert again.status_code == 409
    one = api.call("GET", f"/users/{username}", token=admin)
    assert one.json() == {
        "user": {"username": username, "permissions": {**NOTHING, "settings": ["read"]}}
    }
    listed = api.call("GET", "/users", token=admin).json()["users"]
    assert username in [u["username"] for u in listed]
    assert all(set(u) == {"username", "permissions"} for u in listed)  # never a hash

    token = api.login(username, password)
    changed = api.call(
        "PUT",
        f"/users/{username}/permissions",
        token=admin,
        json={"permissions": {"settings": ["read", "update"]}},
    )
    assert changed.status_code == 200, changed.text
    # the leader uses the current permissions, not the ones in the token
    assert (
        api.call("PUT", "/admin/settings", token=token, json={"TEMPLATE_ONLY_VAR": 1}).status_code
        == 200
    )

    reset = api.call("POST", f"/users/{username}/reset-password", token=admin)
    assert reset.status_code == 200
    assert api.call("GET", "/admin/settings", token=token).status_code == 401
    token = api.login(username, reset.json()["password"])

    bad = api.call(
        "POST",
        "/users",
        token=admin,
        json={"username": "x y", "password": "long-enough-1", "permissions": {"settings": ["fly"]}},
    )
    assert bad.status_code == 400
    fields = [d["field"] for d in bad.json()["error"]["detail"]]
    assert "username" in fields and "permissions.settings.0" in fields

    assert api.call("DELETE", f"/users/{username}", token=admin).json() == {"username": username}
    assert api.call("GET", f"/users/{username}", token=admin).status_code == 404
    assert api.call("DELETE", f"/users/{username}", token=admin).status_code == 404
    assert (
        api.call("GET", "/admin/settings", token=token).status_code == 401
    )  # deleted: its token ends


def test_tokens_are_signed_by_a_key_anyone_can_check_and_last_the_configured_time(
    leader: tuple[LeaderSetup, OperatorsApi],
) -> None:
    _, api = leader
    token = api.first_token()
    key = api.call("GET", "/auth/public-key", token=token).json()
    claims = jwt.decode(
        token, key["publicKey"], algorithms=[key["algorithm"]], issuer=key["issuer"]
    )
    assert claims["sub"] == FIRST_USER
    assert claims["exp"] - claims["iat"] == 3600  # the default tokenTtlSeconds
    forged = jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA")
    assert api.call("GET", "/auth/me", token=forged).status_code == 401


def test_a_token_expires(tmp_path: Path) -> None:
    with operators_leader(tmp_path, operators={"tokenTtlSeconds": 1}) as (setup, api):
        token = api.first_token()
        claims = jwt.decode(token, options={"verify_signature": False})
        assert claims["exp"] - claims["iat"] == 1
        expired = setup.wait_until(
            lambda: (r := api.call("GET", "/auth/me", token=token)).status_code == 401 and r,
            "the token to expire",
        )
        assert "expired" in error_message(expired)


def test_operators_and_their_tokens_survive_a_restart(tmp_path: Path) -> None:
    with operators_leader(tmp_path) as (setup, api):
        username, password = api.create({**NOTHING, "settings": ["read"]})
        token = api.login(username, password)
        setup.leader.stop()
        setup.leader.start()
        setup.leader.wait_healthy()
        assert api.call("GET", "/admin/settings", token=token).status_code == 200
        assert api.login(username, password)
        database = setup.leader.folder / "operators.db"
        assert database.stat().st_mode & 0o077 == 0  # hashes and the signing key: owner only
        with sqlite3.connect(database) as db:
            (stored,) = db.execute(
                "SELECT password FROM users WHERE username = ?", (username,)
            ).fetchone()
        assert stored.startswith("$2b$") and password not in stored


def test_a_users_table_the_original_wrote_signs_in(tmp_path: Path) -> None:
    folder = tmp_path / "original-db"
    folder.mkdir()
    with sqlite3.connect(folder / "config-user-management.db") as db:
        db.execute(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE, "
            "password TEXT NOT NULL, permissions TEXT)"
        )
        db.execute(
            "INSERT INTO users(username, password, permissions) VALUES (?, ?, ?)",
            (
                "legacy",
                bcrypt.hashpw(b"legacy-password", bcrypt.gensalt(10)).decode(),
                json.dumps({"users": ["read"], "settings": ["read"], "platformUsers": []}),
            ),
        )
    with operators_leader(tmp_path / "leader", databasePath=str(folder)) as (_, api):
        token = api.login("legacy", "legacy-password")
        assert api.call("GET", "/admin/settings", token=token).status_code == 200
        assert api.call("PUT", "/admin/settings", token=token, json={"X": 1}).status_code == 403


def test_a_wrong_operators_setting_stops_the_leader_with_one_line(tmp_path: Path) -> None:
    setup = LeaderSetup(tmp_path)
    setup.write_leader_config(operators={"tokenTtlSeconds": 0})
    setup.leader.start()
    assert setup.leader.popen is not None
    assert setup.leader.popen.wait(timeout=60) == 2
    assert "operators.tokenTtlSeconds: Input should be greater than or equal to 1" in (
        setup.leader.log_text()
    )
