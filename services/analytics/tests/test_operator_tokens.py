"""Operators' tokens (the config-leader's Ed25519 JWTs) open every route the console uses, beside
the APIKEY; a forged or expired one is a 401 saying why; without the leader's public key an
operator token is a 403 naming it.

The accepted token is a real one: signed in at the running suite's config-leader through the
gateway, checked with the public key that leader publishes (as the follower writes it into
analytics' env). The refused ones are signed with a key of the test's own."""

from __future__ import annotations

import os
import ssl
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from analytics.app import create_app
from analytics.settings import Settings
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from meridian_kit.operator_tokens import PUBLIC_KEY_VARIABLE, public_key_line

ROOT = Path(__file__).resolve().parents[3]
GATEWAY = os.environ.get("GATEWAY_URL", "https://localhost:8443")
CA = os.environ.get("MERIDIAN_CA", str(ROOT / ".local" / "tls" / "ca.crt"))
OWN_KEY = Ed25519PrivateKey.generate()
PROJECT = f"op-{uuid.uuid4().hex[:8]}"
USER = f"{PROJECT}-user"


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
    """analytics checks tokens with the suite leader's public key; returns a token it signed."""
    token, public_key = leader
    monkeypatch.setenv(PUBLIC_KEY_VARIABLE, public_key)
    return token


@pytest.fixture
async def anonymous(settings: Settings, migrated: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The app in process, a client sending no credentials of its own."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://analytics") as http:
            yield http


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


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


MESSAGE = {
    "messageId": "m-1",
    "conversationId": "c-1",
    "channel": "telegram",
    "userId": USER,
    "timestamp": "2026-01-02T10:00:00Z",
    "project": PROJECT,
    "type": "request",
    "content": {"type": "text", "value": "hello"},
}
WINDOW = {"fromTime": "2026-01-01T00:00:00Z", "toTime": "2026-01-03T00:00:00Z"}
DESCRIPTOR = {
    "type": "count",
    "dimension": "message",
    "metric": "requests",
    "project": PROJECT,
    "timespan": {"type": "moving", "value": "30d"},
}


async def test_an_operator_token_opens_every_route_the_console_uses(
    anonymous: httpx.AsyncClient, leader_token: str, refresh: Any
) -> None:
    auth = bearer(leader_token)
    stored = await anonymous.post("/messages", headers=auth, json=[MESSAGE])
    assert stored.status_code == 201, stored.text
    await refresh()
    try:
        listed = await anonymous.get(
            "/messages", headers=auth, params={"project": PROJECT, **WINDOW}
        )
        assert listed.status_code == 200, listed.text
        one = await anonymous.get(
            "/message", headers=auth, params={"traceId": stored.json()["traceIds"][0]}
        )
        assert one.status_code == 200 and one.json()["messageId"] == "m-1", one.text
        created = await anonymous.post("/analytic", headers=auth, json=DESCRIPTOR)
        assert created.status_code == 200, created.text
        analytic_id = created.json()["id"]
        read = await anonymous.get("/analytic", headers=auth, params={"id": analytic_id})
        assert read.status_code == 200 and read.json()["descriptor"]["project"] == PROJECT
        computed = await anonymous.post(
            "/analytic/compute", headers=auth, params={"id": analytic_id}
        )
        assert computed.status_code in (200, 429), computed.text
        assert (
            await anonymous.delete("/analytic", headers=auth, params={"id": analytic_id})
        ).json() == {}
        logs = await anonymous.get("/logs", headers=auth, params={"project": PROJECT, **WINDOW})
        assert logs.status_code == 200, logs.text
    finally:
        gone = await anonymous.delete("/messages", headers=auth, params={"userId": USER})
        assert gone.status_code == 200, gone.text


async def test_a_forged_or_expired_operator_token_is_a_401_saying_why(
    anonymous: httpx.AsyncClient, leader_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    forged = signed()  # the leader's claims, another key
    tampered = leader_token[:-6] + ("AAAAAA" if not leader_token.endswith("AAAAAA") else "BBBBBB")
    query = {"project": PROJECT, **WINDOW}
    for token in (forged, tampered):
        for path, params in (("/messages", query), ("/analytic", {"id": "x"})):
            answer = await anonymous.get(path, headers=bearer(token), params=params)
            assert answer.status_code == 401, (path, answer.text)
            assert "invalid operator token" in answer.text, answer.text
    monkeypatch.setenv(PUBLIC_KEY_VARIABLE, public_key_line(OWN_KEY.public_key()))
    assert (
        await anonymous.get("/messages", headers=bearer(signed()), params=query)
    ).status_code == 200
    expired = signed(iat=int(time.time()) - 600, exp=int(time.time()) - 300)
    answer = await anonymous.get("/messages", headers=bearer(expired), params=query)
    assert answer.status_code == 401 and "operator token expired" in answer.text, answer.text


async def test_the_apikey_still_works_and_nothing_else_does(
    anonymous: httpx.AsyncClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PUBLIC_KEY_VARIABLE, raising=False)
    query = {"project": PROJECT, **WINDOW}
    for headers in ({"X-Api-Key": settings.apikey}, {"x-wenet-component-apikey": settings.apikey}):
        assert (await anonymous.get("/messages", headers=headers, params=query)).status_code == 200
    assert (await anonymous.get("/messages", params=query)).status_code == 401
    wrong = await anonymous.get("/messages", headers={"X-Api-Key": "nope"}, params=query)
    assert wrong.status_code == 401
    not_a_jwt = await anonymous.get(
        "/messages", headers=bearer(settings.apikey or "x"), params=query
    )
    assert not_a_jwt.status_code == 401  # the APIKEY goes in X-Api-Key, never as a Bearer token
    refused = await anonymous.get("/messages", headers=bearer(signed()), params=query)
    assert refused.status_code == 403 and PUBLIC_KEY_VARIABLE in refused.text, refused.text
