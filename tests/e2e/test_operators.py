"""Operators through the gateway: the operator `make up` created (credentials in .local/dev.env)
signs in, reads settings, manages a temporary operator whose permissions the leader enforces, and
signs out."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.conftest import GATEWAY, tls


@pytest.fixture
def leader() -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{GATEWAY}/config", verify=tls(), timeout=60) as client:
        yield client


def sign_in(leader: httpx.Client, username: str, password: str) -> dict[str, str]:
    response = leader.post("/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_the_make_up_operator_signs_in_and_out_through_the_gateway(leader: httpx.Client) -> None:
    username = os.environ["MERIDIAN_ADMIN_USER"]
    auth = sign_in(leader, username, os.environ["MERIDIAN_ADMIN_PASSWORD"])
    me = leader.get("/auth/me", headers=auth)
    assert me.status_code == 200, me.text
    assert "update" in me.json()["user"]["permissions"]["settings"]
    assert leader.get("/admin/settings", headers=auth).status_code == 200
    assert leader.post("/auth/logout", headers=auth).status_code == 200
    ended = leader.get("/auth/me", headers=auth)
    assert ended.status_code == 401
    assert "logout" in ended.json()["error"]["message"]


def test_a_read_only_operator_is_refused_changes(leader: httpx.Client) -> None:
    admin = sign_in(
        leader, os.environ["MERIDIAN_ADMIN_USER"], os.environ["MERIDIAN_ADMIN_PASSWORD"]
    )
    username, password = f"h14-reader-{secrets.token_hex(4)}", secrets.token_urlsafe(12)
    body = {"username": username, "password": password, "permissions": {"settings": ["read"]}}
    created = leader.post("/users", headers=admin, json=body)
    assert created.status_code == 201, created.text
    try:
        reader = sign_in(leader, username, password)
        assert leader.get("/admin/settings", headers=reader).status_code == 200
        refused = leader.put("/admin/settings", headers=reader, json={"DOMAIN": "nope.example"})
        assert refused.status_code == 403
        assert leader.post("/admin/notify", headers=reader).status_code == 403
        assert leader.get("/users", headers=reader).status_code == 403
    finally:
        assert leader.delete(f"/users/{username}", headers=admin).status_code == 200
    assert leader.post("/auth/logout", headers=admin).status_code == 200
