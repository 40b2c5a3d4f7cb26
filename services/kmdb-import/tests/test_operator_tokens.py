"""Operators' tokens (the config-leader's Ed25519 JWTs) open every route the console uses, beside
KMDB_API_TOKEN; a forged or expired one is a 401 saying why; without the leader's public key an
operator token is a 403 naming it.

The accepted token is a real one: signed in at the running suite's config-leader through the
gateway, checked with the public key that leader publishes (as the follower writes it into
kmdb-import's env). The refused ones are signed with a key of the test's own."""

from __future__ import annotations

import os
import ssl
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from meridian_kit.operator_tokens import PUBLIC_KEY_VARIABLE, public_key_line

ROOT = Path(__file__).resolve().parents[3]
GATEWAY = os.environ.get("GATEWAY_URL", "https://localhost:8443")
CA = os.environ.get("MERIDIAN_CA", str(ROOT / ".local" / "tls" / "ca.crt"))
OWN_KEY = Ed25519PrivateKey.generate()
# Every route the console's Imports section calls.
CONSOLE_ROUTES = [
    ("GET", "/files"),
    ("GET", "/filters/ignored-users"),
    ("GET", "/filters/whitelisted-events"),
    ("GET", "/filters/blacklisted-properties"),
    ("GET", "/stats/events?from=2014-01-01&to=2014-01-02"),
    ("GET", "/imports/0"),
    ("GET", "/files/1"),
    ("GET", "/files/1/errors"),
]


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


@pytest.fixture(scope="module")
def leader() -> Iterator[tuple[str, str]]:
    """(an operator token signed by the suite's leader, the leader's public key line)."""
    env = dev_env()
    user, password = env.get("MERIDIAN_ADMIN_USER"), env.get("MERIDIAN_ADMIN_PASSWORD")
    if not (user and password):
        pytest.skip("MERIDIAN_ADMIN_USER/PASSWORD are not in .local/dev.env: run `make up`")
    verify = ssl.create_default_context(cafile=CA)
    with httpx.Client(base_url=f"{GATEWAY}/config", verify=verify, timeout=30) as http:
        login = http.post("/auth/login", json={"username": user, "password": password})
        assert login.status_code == 200, login.text
        token = login.json()["token"]
        http.headers["Authorization"] = f"Bearer {token}"
        published = http.get("/auth/public-key")
        assert published.status_code == 200, published.text
        yield token, published.json()["publicKey"]
        http.post("/auth/logout")


@pytest.fixture
def leader_token(leader: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> str:
    """kmdb-api checks tokens with the suite leader's public key; returns a token it signed."""
    token, public_key = leader
    monkeypatch.setenv(PUBLIC_KEY_VARIABLE, public_key)
    return token


def signed(key: Ed25519PrivateKey = OWN_KEY, **override: Any) -> str:
    """A token shaped as the leader signs one, with `key` and claims overridden."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": "config-leader",
        "sub": "mallory",
        "permissions": {"settings": ["read"]},
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + 300,
    }
    claims.update(override)
    return jwt.encode(claims, key, algorithm="EdDSA")


async def test_an_operator_token_opens_every_route_the_console_uses(
    api_client: Any, leader_token: str
) -> None:
    async with api_client(token=leader_token) as client:
        for method, path in CONSOLE_ROUTES:
            answer = await client.request(method, path)
            assert answer.status_code in (200, 404), (path, answer.text)  # 404: no such import
        name = f"robot-{uuid.uuid4().hex[:6]}"
        added = await client.post("/filters/ignored-users", json={"name": name})
        assert added.status_code == 201, added.text
        assert name in [f["name"] for f in (await client.get("/filters/ignored-users")).json()]
        assert (
            await client.delete("/filters/ignored-users", params={"name": name})
        ).status_code == 204
        started = await client.post("/imports", json={"source": "s3://no-such-bucket-here/x"})
        assert started.status_code not in (401, 403), started.text


async def test_the_token_opens_it_even_with_kmdb_api_token_unset(
    api_client: Any, leader_token: str
) -> None:
    async with api_client(token=leader_token, api_token=None) as client:
        assert (await client.get("/files")).status_code == 200
    async with api_client(token="whatever-the-client-sends", api_token=None) as client:
        assert (await client.get("/files")).status_code == 403


async def test_a_forged_or_expired_operator_token_is_a_401_saying_why(
    api_client: Any, leader_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    forged = signed()  # the leader's claims, another key
    tampered = leader_token[:-6] + ("AAAAAA" if not leader_token.endswith("AAAAAA") else "BBBBBB")
    for token in (forged, tampered):
        async with api_client(token=token) as client:
            for method, path in CONSOLE_ROUTES:
                answer = await client.request(method, path)
                assert answer.status_code == 401, (path, answer.text)
                assert answer.json()["error"].startswith("invalid operator token"), answer.text
                assert answer.headers["www-authenticate"].startswith("Bearer")
    monkeypatch.setenv(PUBLIC_KEY_VARIABLE, public_key_line(OWN_KEY.public_key()))
    async with api_client(token=signed()) as client:
        assert (await client.get("/files")).status_code == 200
    expired = signed(iat=int(time.time()) - 600, exp=int(time.time()) - 300)
    async with api_client(token=expired) as client:
        answer = await client.get("/files")
        assert answer.status_code == 401
        assert answer.json()["error"] == "operator token expired: sign in again"


async def test_without_the_public_key_an_operator_token_is_a_403_naming_it(
    api_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PUBLIC_KEY_VARIABLE, raising=False)
    async with api_client(token=signed()) as client:
        answer = await client.get("/files")
        assert answer.status_code == 403 and PUBLIC_KEY_VARIABLE in answer.json()["error"]
    async with api_client() as client:  # KMDB_API_TOKEN keeps working
        assert (await client.get("/files")).status_code == 200
