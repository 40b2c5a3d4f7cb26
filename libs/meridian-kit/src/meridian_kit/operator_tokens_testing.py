"""For the services' tests of operators' tokens (ingest, analytics, kmdb-import, metrics-api), one
shape: a real token signed in at the running suite's config-leader through the gateway, tokens of
the test's own key (forged, tampered, expired, with chosen permissions), the checks every service
answers alike, and the fixtures `leader` and `leader_token` (the real token), registered for every
test by the root conftest.py. Imported by tests only (it needs httpx and pytest, development
dependencies); never by a service."""

from __future__ import annotations

import os
import ssl
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from meridian_kit.operator_tokens import PUBLIC_KEY_VARIABLE, public_key_line

ROOT = Path(__file__).resolve().parents[4]
GATEWAY = os.environ.get("GATEWAY_URL", "https://localhost:8443")
CA = os.environ.get("MERIDIAN_CA", str(ROOT / ".local" / "tls" / "ca.crt"))
# Every permission the leader knows (config-leader's operators/permissions.py every_permission).
EVERY_PERMISSION = {
    "settings": ["read", "update", "notify"],
    "users": ["read", "create", "delete", "resetPassword", "changePermissions"],
    "platformUsers": ["read", "modify", "delete"],
    "fleet": ["update", "act"],
    "analytics": ["update"],
    "imports": ["update"],
    "metrics": ["update"],
}


def dev_env() -> dict[str, str]:
    """.local/dev.env's settings (the generated operator), the process environment winning."""
    values: dict[str, str] = {}
    path = ROOT / ".local" / "dev.env"
    if path.exists():
        for line in path.read_text().splitlines():
            name, sep, value = line.partition("=")
            if sep and not name.startswith("#"):
                values[name.strip()] = value.strip().strip("'\"")
    return {**values, **{k: v for k, v in os.environ.items() if k in values}}


@dataclass(frozen=True)
class SuiteOperator:
    """A token the suite's leader signed for its generated operator, and the leader's public key."""

    token: str
    public_key: str


@contextmanager
def suite_operator() -> Iterator[SuiteOperator | None]:
    """Signs in at the running suite's leader (TLS verified against the dev CA) as
    MERIDIAN_ADMIN_USER; None when .local/dev.env names no operator. Signs out afterwards."""
    import httpx  # a development dependency: only tests come here

    env = dev_env()
    user, password = env.get("MERIDIAN_ADMIN_USER"), env.get("MERIDIAN_ADMIN_PASSWORD")
    if not (user and password):
        yield None
        return
    verify = ssl.create_default_context(cafile=CA)
    with httpx.Client(base_url=f"{GATEWAY}/config", verify=verify, timeout=30) as http:
        login = http.post("/auth/login", json={"username": user, "password": password})
        assert login.status_code == 200, login.text
        token = login.json()["token"]
        http.headers["Authorization"] = f"Bearer {token}"
        published = http.get("/auth/public-key")
        assert published.status_code == 200, published.text
        yield SuiteOperator(token, published.json()["publicKey"])
        http.post("/auth/logout")


@pytest.fixture(scope="module")
def leader() -> Iterator[SuiteOperator]:
    """A token signed by the suite's leader, and the leader's public key line."""
    with suite_operator() as found:
        if found is None:
            pytest.skip("MERIDIAN_ADMIN_USER/PASSWORD are not in .local/dev.env: run `make up`")
        yield found


@pytest.fixture
def leader_token(leader: SuiteOperator, monkeypatch: pytest.MonkeyPatch) -> str:
    """The service under test checks tokens with the suite leader's public key; a token it signed."""
    monkeypatch.setenv(PUBLIC_KEY_VARIABLE, leader.public_key)
    return leader.token


class OwnTokens:
    """Tokens shaped as the leader signs them, with a key of the test's own."""

    def __init__(self) -> None:
        self.key = Ed25519PrivateKey.generate()

    @property
    def public_key(self) -> str:
        """The one-line public key to set as MERIDIAN_OPERATOR_PUBLIC_KEY."""
        return public_key_line(self.key.public_key())

    def token(
        self,
        permissions: dict[str, list[str]] | None = None,
        *,
        username: str = "mallory",
        key: Ed25519PrivateKey | None = None,
        **claims: Any,
    ) -> str:
        """A token for `username` with `permissions` (every one by default), claims overridden."""
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": "config-leader",
            "sub": username,
            "permissions": EVERY_PERMISSION if permissions is None else permissions,
            "stamp": "s",
            "jti": uuid.uuid4().hex,
            "iat": now,
            "exp": now + 300,
            **claims,
        }
        return jwt.encode(body, key or self.key, algorithm="EdDSA")

    def expired(self) -> str:
        """A token that expired five minutes ago."""
        now = int(time.time())
        return self.token(iat=now - 600, exp=now - 300)


def bearer(token: str) -> dict[str, str]:
    """The Authorization header carrying a token."""
    return {"Authorization": f"Bearer {token}"}


def tampered(token: str) -> str:
    """The token with its signature's end changed."""
    return token[:-6] + ("AAAAAA" if not token.endswith("AAAAAA") else "BBBBBB")


Call = Callable[[str], Awaitable[Any]]  # sends one request with this bearer token, gives the answer


async def check_forged_and_tampered(call: Call, leader_token: str) -> None:
    """A token signed with another key, or the leader's with a changed signature: 401 saying
    "invalid operator token", with a Bearer challenge."""
    for token in (OwnTokens().token(), tampered(leader_token)):
        answer = await call(token)
        assert answer.status_code == 401, answer.text
        assert "invalid operator token" in answer.text, answer.text
        assert answer.headers["www-authenticate"].startswith("Bearer")


async def check_own_key_and_expiry(call: Call, setenv: Callable[[str, str], None]) -> None:
    """With the test's own key as the public key, its token opens the route (2xx or 404) and an
    expired one is a 401 "operator token expired: sign in again"."""
    own = OwnTokens()
    setenv(PUBLIC_KEY_VARIABLE, own.public_key)
    answer = await call(own.token())
    assert answer.status_code < 300 or answer.status_code == 404, answer.text
    answer = await call(own.expired())
    assert answer.status_code == 401, answer.text
    assert "operator token expired: sign in again" in answer.text, answer.text


async def check_write_permission(
    write: Call, read: Call, permission: str, setenv: Callable[[str, str], None]
) -> None:
    """An operator without `permission` ("group:action") reads but is refused the write with a
    403 naming it; with only that permission the write is not refused."""
    own = OwnTokens()
    setenv(PUBLIC_KEY_VARIABLE, own.public_key)
    group, _, action = permission.partition(":")
    others = {g: a for g, a in EVERY_PERMISSION.items() if g != group}
    lacking = own.token({**others, group: [a for a in EVERY_PERMISSION[group] if a != action]})
    answer = await read(lacking)
    assert answer.status_code < 300, answer.text
    answer = await write(lacking)
    assert answer.status_code == 403, answer.text
    assert f"insufficient permissions: mallory lacks {permission}" in answer.text, answer.text
    answer = await write(own.token({group: [action]}))
    assert answer.status_code not in (401, 403), answer.text
