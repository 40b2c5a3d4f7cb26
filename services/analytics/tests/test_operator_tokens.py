"""Operators' tokens (the config-leader's Ed25519 JWTs) open every route the console uses, beside
the APIKEY; a write needs the leader's analytics:update; a forged or expired one is a 401 saying
why; without the leader's public key an operator token is a 403 naming it. The shape is shared
with ingest's and kmdb-import's tests (meridian_kit.operator_tokens_testing).

The accepted token is a real one: signed in at the running suite's config-leader through the
gateway, checked with the public key that leader publishes (as the follower writes it into
analytics' env). The refused ones are signed with a key of the test's own."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from analytics.app import create_app
from analytics.settings import Settings
from meridian_kit.operator_tokens import PUBLIC_KEY_VARIABLE
from meridian_kit.operator_tokens_testing import (
    OwnTokens,
    bearer,
    check_forged_and_tampered,
    check_own_key_and_expiry,
    check_write_permission,
)

PROJECT = f"op-{uuid.uuid4().hex[:8]}"
USER = f"{PROJECT}-user"


@pytest.fixture
async def anonymous(settings: Settings, migrated: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The app in process, a client sending no credentials of its own."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://analytics") as http:
            yield http


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
    query = {"project": PROJECT, **WINDOW}
    for path, params in (("/messages", query), ("/analytic", {"id": "x"})):

        async def call(token: str, path: str = path, params: dict[str, str] = params) -> Any:
            return await anonymous.get(path, headers=bearer(token), params=params)

        await check_forged_and_tampered(call, leader_token)

    async def messages(token: str) -> Any:
        return await anonymous.get("/messages", headers=bearer(token), params=query)

    await check_own_key_and_expiry(messages, monkeypatch.setenv)


async def test_an_operators_write_needs_analytics_update(
    anonymous: httpx.AsyncClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading stays open to any operator; storing messages (a write) needs the leader's
    analytics:update, as does creating a descriptor; the APIKEY is unchanged."""
    query = {"project": PROJECT, **WINDOW}

    async def store(token: str) -> Any:
        return await anonymous.post("/messages", headers=bearer(token), json=[MESSAGE])

    async def read(token: str) -> Any:
        return await anonymous.get("/messages", headers=bearer(token), params=query)

    try:
        await check_write_permission(store, read, "analytics:update", monkeypatch.setenv)
        own = OwnTokens()
        monkeypatch.setenv(PUBLIC_KEY_VARIABLE, own.public_key)
        refused = await anonymous.post(
            "/analytic", headers=bearer(own.token({"settings": ["read"]})), json=DESCRIPTOR
        )
        assert refused.status_code == 403, refused.text
        assert "mallory lacks analytics:update" in refused.text, refused.text
    finally:
        gone = await anonymous.delete(
            "/messages", headers={"X-Api-Key": settings.apikey or ""}, params={"userId": USER}
        )
        assert gone.status_code == 200, gone.text


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
    refused = await anonymous.get("/messages", headers=bearer(OwnTokens().token()), params=query)
    assert refused.status_code == 403 and PUBLIC_KEY_VARIABLE in refused.text, refused.text
