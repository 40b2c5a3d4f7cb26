"""A private leader for the operators' tests, and a small client speaking its API."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.config.conftest import Cluster

FIRST_USER = "first-admin"


@dataclass
class OperatorsApi:
    """Calls one leader with the admin key, a token, or nothing."""

    url: str
    admin_key: str
    first_password: str

    def call(
        self, method: str, path: str, *, token: str | None = None, key: str | None = None, **kw: Any
    ) -> httpx.Response:
        headers = dict(kw.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        elif key is not None:
            headers["Authorization"] = key
        return httpx.request(method, f"{self.url}{path}", headers=headers, timeout=30, **kw)

    def login(self, username: str, password: str) -> str:
        response = self.call(
            "POST", "/auth/login", json={"username": username, "password": password}
        )
        assert response.status_code == 200, response.text
        return str(response.json()["token"])

    def first_token(self) -> str:
        return self.login(FIRST_USER, self.first_password)

    def create(
        self, permissions: dict[str, list[str]], *, by: str | None = None
    ) -> tuple[str, str]:
        """A new operator with a unique name; returns (username, password)."""
        username = f"op-{secrets.token_hex(4)}"
        password = secrets.token_urlsafe(12)
        body = {"username": username, "password": password, "permissions": permissions}
        response = self.call("POST", "/users", token=by or self.first_token(), json=body)
        assert response.status_code == 201, response.text
        return username, password


@contextmanager
def operators_leader(
    root: Path, prepare: Callable[[Path], None] | None = None, **config: Any
) -> Iterator[tuple[Cluster, OperatorsApi]]:
    """A leader with no follower, its first operator from the environment, `config` merged into
    config-leader.json; `prepare(leader folder)` runs before it starts."""
    cluster = Cluster(root)
    if prepare is not None:
        prepare(cluster.leader.folder)
    cluster.write_leader_config(**config)
    password = secrets.token_urlsafe(16)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("MERIDIAN_ADMIN_USER", FIRST_USER)
        env.setenv("MERIDIAN_ADMIN_PASSWORD", password)
        cluster.leader.start()
    try:
        cluster.leader.wait_healthy()
        yield cluster, OperatorsApi(cluster.leader.url, cluster.admin_key, password)
    finally:
        cluster.stop_all()


def error_message(response: httpx.Response) -> str:
    """The message of an error in the original's shape, {"error": {"message": ...}}."""
    body = response.json()
    assert isinstance(body["error"], dict), body
    return str(body["error"]["message"])
