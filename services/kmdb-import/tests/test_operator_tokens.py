"""Operators' tokens (the config-leader's Ed25519 JWTs) open every route the console uses, beside
KMDB_API_TOKEN; a write needs the leader's imports:update; a forged or expired one is a 401 saying
why; without the leader's public key an operator token is a 403 naming it. The shape is shared
with ingest's and analytics' tests (meridian_kit.operator_tokens_testing).

The accepted token is a real one: signed in at the running suite's config-leader through the
gateway, checked with the public key that leader publishes (as the follower writes it into
kmdb-import's env). The refused ones are signed with a key of the test's own."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from meridian_kit.operator_tokens import PUBLIC_KEY_VARIABLE
from meridian_kit.operator_tokens_testing import (
    OwnTokens,
    check_forged_and_tampered,
    check_own_key_and_expiry,
    check_write_permission,
)

# Every route the console's Imports section calls.
CONSOLE_ROUTES = [
    ("GET", "/files"),
    ("GET", "/filters/ignored-users"),
    ("GET", "/filters/whitelisted-events"),
    ("GET", "/filters/blacklisted-properties"),
    ("GET", "/stats/events?from=2014-01-01&to=2014-01-02"),
    ("GET", "/imports/0"),
    ("GET", "/imports/0/events-per-day"),
    ("GET", "/files/1"),
    ("GET", "/files/1/errors"),
]


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
    async with api_client(token=None) as client:
        for method, path in CONSOLE_ROUTES:

            async def call(token: str, method: str = method, path: str = path) -> Any:
                return await client.request(
                    method, path, headers={"Authorization": f"Bearer {token}"}
                )

            await check_forged_and_tampered(call, leader_token)

        async def files(token: str) -> Any:
            return await client.get("/files", headers={"Authorization": f"Bearer {token}"})

        await check_own_key_and_expiry(files, monkeypatch.setenv)


async def test_an_operators_write_needs_imports_update(
    api_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading stays open to any operator; adding to a filter table (a write) needs the leader's
    imports:update, as does starting an import; KMDB_API_TOKEN is unchanged."""
    name = f"robot-{uuid.uuid4().hex[:6]}"
    async with api_client(token=None) as client:

        async def add(token: str) -> Any:
            return await client.post(
                "/filters/ignored-users",
                json={"name": name},
                headers={"Authorization": f"Bearer {token}"},
            )

        async def read(token: str) -> Any:
            return await client.get(
                "/filters/ignored-users", headers={"Authorization": f"Bearer {token}"}
            )

        await check_write_permission(add, read, "imports:update", monkeypatch.setenv)
        own = OwnTokens()
        monkeypatch.setenv(PUBLIC_KEY_VARIABLE, own.public_key)
        refused = await client.post(
            "/imports",
            json={"source": "s3://no-such-bucket-here/x"},
            headers={"Authorization": f"Bearer {own.token({'settings': ['read']})}"},
        )
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"] == "insufficient permissions: mallory lacks imports:update"
    async with api_client() as client:  # the machine token: unchanged
        assert (
            await client.delete("/filters/ignored-users", params={"name": name})
        ).status_code == 204


async def test_without_the_public_key_an_operator_token_is_a_403_naming_it(
    api_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PUBLIC_KEY_VARIABLE, raising=False)
    async with api_client(token=OwnTokens().token()) as client:
        answer = await client.get("/files")
        assert answer.status_code == 403 and PUBLIC_KEY_VARIABLE in answer.json()["error"]
    async with api_client() as client:  # KMDB_API_TOKEN keeps working
        assert (await client.get("/files")).status_code == 200
