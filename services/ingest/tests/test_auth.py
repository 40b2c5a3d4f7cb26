"""Operators' tokens (the config-leader's Ed25519 JWTs) open every route the console uses, beside
the admin token and bucket keys; a forged or expired one is a 401 saying why; agents' routes keep
their bucket keys only.

The accepted token is a real one: signed in at the running suite's config-leader through the
gateway, checked with the public key that leader publishes (as the follower writes it into ingest's
env). The refused ones are signed with a key of the test's own."""

from __future__ import annotations

import asyncio
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
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from meridian_kit.operator_tokens import PUBLIC_KEY_VARIABLE, public_key_line

ROOT = Path(__file__).resolve().parents[3]
GATEWAY = os.environ.get("GATEWAY_URL", "https://localhost:8443")
CA = os.environ.get("MERIDIAN_CA", str(ROOT / ".local" / "tls" / "ca.crt"))


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
def leader_key(leader: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> str:
    """ingest checks tokens with the suite leader's public key; returns a token it signed."""
    token, public_key = leader
    monkeypatch.setenv(PUBLIC_KEY_VARIABLE, public_key)
    return token


@pytest.fixture
async def operator(base_url: str, leader_key: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client carrying the leader-signed operator token, as the console sends it."""
    headers = {"Authorization": f"Bearer {leader_key}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30) as client:
        yield client


OWN_KEY = Ed25519PrivateKey.generate()


def signed(key: Ed25519PrivateKey = OWN_KEY, **override: Any) -> str:
    """A token shaped as the leader signs one, with `key` and claims overridden."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": "config-leader",
        "sub": "mallory",
        "permissions": {"settings": ["read", "update"]},
        "stamp": "s",
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + 300,
    }
    claims.update(override)
    return jwt.encode(claims, key, algorithm="EdDSA")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_an_operator_token_opens_every_route_the_console_uses(
    operator: httpx.AsyncClient,
) -> None:
    created = await operator.post("/api/admin/buckets", json={"name": f"op-{uuid.uuid4().hex[:6]}"})
    assert created.status_code == 201, created.text
    bucket = created.json()
    base = f"/api/buckets/{bucket['id']}"
    try:
        listed = await operator.get("/api/admin/buckets")
        assert listed.status_code == 200 and bucket["id"] in {b["id"] for b in listed.json()}
        read = await operator.get(f"/api/admin/buckets/{bucket['id']}")
        assert read.status_code == 200 and read.json()["secret_key"] == bucket["secret_key"]
        rotated = await operator.patch(
            f"/api/admin/buckets/{bucket['id']}", json={"rotate_keys": True}
        )
        assert rotated.status_code == 200 and rotated.json()["public_key"] != bucket["public_key"]
        assert (await operator.get(f"/api/admin/buckets/{bucket['id']}/servers")).json() == []
        for path in ("", "/servers", "/metrics", "/metrics/cpu", "/logs", "/exceptions", "/events"):
            answer = await operator.get(base + path)
            assert answer.status_code == 200, (path, answer.text)
        rule = await operator.post(
            f"/api/admin/buckets/{bucket['id']}/alerts", json={"kind": "exception"}
        )
        assert rule.status_code == 201, rule.text
        rules = await operator.get(f"/api/admin/buckets/{bucket['id']}/alerts")
        assert [r["id"] for r in rules.json()] == [rule.json()["id"]]
        gone = await operator.delete(
            f"/api/admin/buckets/{bucket['id']}/alerts/{rule.json()['id']}"
        )
        assert gone.status_code == 204
        # commands pass the credentials check: the server is simply not connected
        pm2 = await operator.post(f"{base}/servers/web-1/pm2", json={"method_name": "ping"})
        action = await operator.post(
            f"{base}/servers/web-1/actions", json={"process": "api", "action_name": "hello"}
        )
        assert pm2.status_code == action.status_code == 409, (pm2.text, action.text)
        async with operator.stream("GET", f"{base}/live") as live:
            assert live.status_code == 200
            assert live.headers["content-type"].startswith("text/event-stream")
            first = await asyncio.wait_for(anext(live.aiter_lines()), 10)
            assert first.startswith(":")
    finally:
        deleted = await operator.delete(f"/api/admin/buckets/{bucket['id']}")
    assert deleted.status_code == 204
    assert (await operator.get(base)).status_code == 404


async def test_a_forged_or_expired_operator_token_is_a_401_saying_why(
    anonymous: httpx.AsyncClient,
    bucket: dict[str, Any],
    leader_key: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    paths = ["/api/admin/buckets", f"/api/buckets/{bucket['id']}/logs"]
    paths += [f"/api/buckets/{bucket['id']}/live", f"/api/admin/buckets/{bucket['id']}/alerts"]
    forged = signed()  # the leader's claims, another key
    tampered = leader_key[:-6] + ("AAAAAA" if not leader_key.endswith("AAAAAA") else "BBBBBB")
    for token in (forged, tampered):
        for path in paths:
            answer = await anonymous.get(path, headers=bearer(token))
            assert answer.status_code == 401, (path, answer.text)
            assert answer.json()["error"].startswith("invalid operator token"), answer.text
            assert answer.headers["www-authenticate"].startswith("Bearer")
    monkeypatch.setenv(PUBLIC_KEY_VARIABLE, public_key_line(OWN_KEY.public_key()))
    assert (await anonymous.get(paths[0], headers=bearer(signed()))).status_code == 200
    expired = signed(iat=int(time.time()) - 600, exp=int(time.time()) - 300)
    for path in paths:
        answer = await anonymous.get(path, headers=bearer(expired))
        assert answer.status_code == 401, (path, answer.text)
        assert answer.json()["error"] == "operator token expired: sign in again"


async def test_operator_tokens_without_the_public_key_are_a_403_naming_it(
    anonymous: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PUBLIC_KEY_VARIABLE, raising=False)
    answer = await anonymous.get("/api/admin/buckets", headers=bearer(signed()))
    assert answer.status_code == 403
    assert PUBLIC_KEY_VARIABLE in answer.json()["error"]


async def test_agents_keep_their_keys_and_no_token_counts_in_a_query_string(
    anonymous: httpx.AsyncClient, bucket: dict[str, Any], leader_key: str
) -> None:
    frames = [{"channel": "human:event", "payload": {"name": "x"}}]
    pushed = await anonymous.post("/api/push", headers=bearer(leader_key), json=frames)
    assert pushed.status_code == 401 and "X-KM-PUBLIC" in pushed.json()["error"]
    verified = await anonymous.post(
        "/api/node/verifyPM2", headers=bearer(leader_key), json={"data": {"MACHINE_NAME": "m"}}
    )
    assert verified.status_code == 401 and verified.json()["active"] is False
    for params in ({"token": leader_key}, {"access_token": leader_key}, {"auth": leader_key}):
        answer = await anonymous.get(f"/api/buckets/{bucket['id']}/live", params=params)
        assert answer.status_code == 401, params
