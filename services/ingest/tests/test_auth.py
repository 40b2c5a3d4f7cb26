"""Operators' tokens (the config-leader's Ed25519 JWTs) open every route the console uses, beside
the admin token and bucket keys; writes need the leader's fleet:update, a server's commands
fleet:act; a forged or expired one is a 401 saying why; agents' routes keep their bucket keys
only. The shape is shared with analytics' and kmdb-import's tests
(meridian_kit.operator_tokens_testing).

The accepted token is a real one: signed in at the running suite's config-leader through the
gateway, checked with the public key that leader publishes (as the follower writes it into ingest's
env). The refused ones are signed with a key of the test's own."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from meridian_kit.operator_tokens import PUBLIC_KEY_VARIABLE
from meridian_kit.operator_tokens_testing import (
    OwnTokens,
    bearer,
    check_forged_and_tampered,
    check_own_key_and_expiry,
    check_write_permission,
)


@pytest.fixture
async def operator(base_url: str, leader_token: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client carrying the leader-signed operator token, as the console sends it."""
    headers = {"Authorization": f"Bearer {leader_token}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30) as client:
        yield client


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
    leader_token: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    paths = ["/api/admin/buckets", f"/api/buckets/{bucket['id']}/logs"]
    paths += [f"/api/buckets/{bucket['id']}/live", f"/api/admin/buckets/{bucket['id']}/alerts"]
    for path in paths:

        async def call(token: str, path: str = path) -> Any:
            return await anonymous.get(path, headers=bearer(token))

        await check_forged_and_tampered(call, leader_token)
    own = OwnTokens()
    monkeypatch.setenv(PUBLIC_KEY_VARIABLE, own.public_key)
    for path in paths[1:]:
        answer = await anonymous.get(path, headers=bearer(own.expired()))
        assert answer.status_code == 401, (path, answer.text)
        assert answer.json()["error"] == "operator token expired: sign in again"

    async def buckets(token: str) -> Any:
        return await anonymous.get(paths[0], headers=bearer(token))

    await check_own_key_and_expiry(buckets, monkeypatch.setenv)


async def test_an_operators_writes_need_fleet_update_and_commands_fleet_act(
    anonymous: httpx.AsyncClient, bucket: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading stays open to any operator; an alert rule (a write) needs the leader's
    fleet:update, a server's command fleet:act; the admin token and bucket keys are unchanged."""
    rules = f"/api/admin/buckets/{bucket['id']}/alerts"
    base = f"/api/buckets/{bucket['id']}"

    async def add_rule(token: str) -> Any:
        return await anonymous.post(rules, headers=bearer(token), json={"kind": "exception"})

    async def read_rules(token: str) -> Any:
        return await anonymous.get(rules, headers=bearer(token))

    async def pm2(token: str) -> Any:  # not connected: 409 once the credentials pass
        return await anonymous.post(
            f"{base}/servers/web-1/pm2", headers=bearer(token), json={"method_name": "ping"}
        )

    async def servers(token: str) -> Any:
        return await anonymous.get(f"{base}/servers", headers=bearer(token))

    await check_write_permission(add_rule, read_rules, "fleet:update", monkeypatch.setenv)
    await check_write_permission(pm2, servers, "fleet:act", monkeypatch.setenv)
    own = OwnTokens()
    monkeypatch.setenv(PUBLIC_KEY_VARIABLE, own.public_key)
    updater = own.token({"fleet": ["update"]})
    refused = await pm2(updater)  # fleet:update is not fleet:act
    assert refused.status_code == 403 and "lacks fleet:act" in refused.text, refused.text
    keys = {"X-KM-PUBLIC": bucket["public_key"], "X-KM-SECRET": bucket["secret_key"]}
    by_keys = await anonymous.post(
        f"{base}/servers/web-1/pm2", headers=keys, json={"method_name": "ping"}
    )
    assert by_keys.status_code == 409, by_keys.text


async def test_operator_tokens_without_the_public_key_are_a_403_naming_it(
    anonymous: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PUBLIC_KEY_VARIABLE, raising=False)
    answer = await anonymous.get("/api/admin/buckets", headers=bearer(OwnTokens().token()))
    assert answer.status_code == 403
    assert PUBLIC_KEY_VARIABLE in answer.json()["error"]


async def test_agents_keep_their_keys_and_no_token_counts_in_a_query_string(
    anonymous: httpx.AsyncClient, bucket: dict[str, Any], leader_token: str
) -> None:
    frames = [{"channel": "human:event", "payload": {"name": "x"}}]
    pushed = await anonymous.post("/api/push", headers=bearer(leader_token), json=frames)
    assert pushed.status_code == 401 and "X-KM-PUBLIC" in pushed.json()["error"]
    verified = await anonymous.post(
        "/api/node/verifyPM2", headers=bearer(leader_token), json={"data": {"MACHINE_NAME": "m"}}
    )
    assert verified.status_code == 401 and verified.json()["active"] is False
    for params in ({"token": leader_token}, {"access_token": leader_token}, {"auth": leader_token}):
        answer = await anonymous.get(f"/api/buckets/{bucket['id']}/live", params=params)
        assert answer.status_code == 401, params
