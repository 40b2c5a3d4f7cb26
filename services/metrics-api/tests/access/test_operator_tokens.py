"""Operators' tokens (the config-leader's Ed25519 JWTs) read every route, beside the read and write
tokens; a write (points, saving or deleting a dashboard) needs the leader's metrics:update; a
forged or expired one is a 401 saying why; without the leader's public key an operator token is a
403 naming it. The shape is shared with ingest's, analytics' and kmdb-import's tests
(meridian_kit.operator_tokens_testing).

The accepted token is a real one: signed in at the running suite's config-leader through the
gateway, checked with the public key that leader publishes (as the follower writes it into
metrics-api's env). The refused ones are signed with a key of the test's own. The app runs in
process on the test keyspace (conftest)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from meridian_kit.operator_tokens import PUBLIC_KEY_VARIABLE
from meridian_kit.operator_tokens_testing import (
    EVERY_PERMISSION,
    OwnTokens,
    bearer,
    check_forged_and_tampered,
    check_own_key_and_expiry,
    check_write_permission,
)

from ..conftest import READ_TOKEN
from .test_access import api_routes

DASHBOARDS = "/api/v1/dashboards"
POINT = {
    "environment": "env-x",
    "application": "api",
    "metric_name": "requests",
    "metric_timestamp": "2024-05-01T12:00:00+00:00",
    "count": 1,
    "previous_count": 0,
}


def dashboard(name: str) -> dict[str, Any]:
    return {"name": name, "type": "time_series", "data": {"charts": []}}


async def test_the_suite_operator_reads_every_route_and_saves_a_dashboard(
    app: Any, anonymous: httpx.AsyncClient, client: httpx.AsyncClient, leader_token: str
) -> None:
    """The suite's first operator holds every permission, metrics:update included."""
    for method, path in api_routes(app):
        if method == "GET":
            answer = await anonymous.get(path, headers=bearer(leader_token))
            assert answer.status_code not in (401, 403), (path, answer.text)
    assert (await anonymous.get("/metrics", headers=bearer(leader_token))).status_code == 200
    name = f"op-{uuid.uuid4().hex[:8]}"
    try:
        saved = await anonymous.post(DASHBOARDS, json=dashboard(name), headers=bearer(leader_token))
        assert saved.status_code == 200, saved.text
        found = await anonymous.get(
            f"{DASHBOARDS}/time_series/{name}", headers=bearer(leader_token)
        )
        assert found.json()["dashboard"]["name"] == name
        gone = await anonymous.delete(
            f"{DASHBOARDS}/time_series/{name}", headers=bearer(leader_token)
        )
        assert gone.status_code == 200, gone.text
    finally:
        await client.delete(f"{DASHBOARDS}/time_series/{name}")


async def test_a_forged_or_expired_operator_token_is_a_401_saying_why(
    app: Any, anonymous: httpx.AsyncClient, leader_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for method, path in api_routes(app):

        async def call(token: str, method: str = method, path: str = path) -> Any:
            return await anonymous.request(method, path, json={}, headers=bearer(token))

        await check_forged_and_tampered(call, leader_token)

    async def environments(token: str) -> Any:
        return await anonymous.get("/api/v1/environments/", headers=bearer(token))

    await check_own_key_and_expiry(environments, monkeypatch.setenv)


async def test_an_operators_write_needs_metrics_update(
    anonymous: httpx.AsyncClient, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading stays open to any operator; saving a dashboard needs metrics:update (refused
    without it, saved with it); the write token is unchanged."""
    name = f"op-{uuid.uuid4().hex[:8]}"

    async def save(token: str) -> Any:
        return await anonymous.post(DASHBOARDS, json=dashboard(name), headers=bearer(token))

    async def read(token: str) -> Any:
        return await anonymous.get(f"{DASHBOARDS}/time_series", headers=bearer(token))

    try:
        await check_write_permission(save, read, "metrics:update", monkeypatch.setenv)
        found = await client.get(f"{DASHBOARDS}/time_series/{name}")
        assert found.status_code == 200, found.text  # saved by the operator holding it
    finally:
        await client.delete(f"{DASHBOARDS}/time_series/{name}")  # the write token: unchanged


async def test_every_write_is_refused_without_metrics_update_and_nothing_changes(
    anonymous: httpx.AsyncClient, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An operator holding every other permission: points, a new dashboard, replacing and deleting
    one are each a 403 naming metrics:update; the dashboard and the points are as before."""
    own = OwnTokens()
    monkeypatch.setenv(PUBLIC_KEY_VARIABLE, own.public_key)
    everything = own.token()
    lacking = own.token({g: a for g, a in EVERY_PERMISSION.items() if g != "metrics"})
    name, env = f"op-{uuid.uuid4().hex[:8]}", f"env-{uuid.uuid4().hex[:8]}"
    assert (await client.post(DASHBOARDS, json=dashboard(name))).status_code == 200
    try:
        writes = [
            (
                "POST",
                "/api/v1/metrics/raw_counter_with_interval",
                {"points": [{**POINT, "environment": env}]},
            ),
            ("POST", DASHBOARDS, dashboard(f"{name}-new")),
            ("PUT", f"{DASHBOARDS}/time_series/{name}", {"data": {"charts": ["changed"]}}),
            ("DELETE", f"{DASHBOARDS}/time_series/{name}", None),
        ]
        for method, path, body in writes:
            refused = await anonymous.request(method, path, json=body, headers=bearer(lacking))
            assert refused.status_code == 403, (method, path, refused.text)
            assert (
                refused.json()["error"] == "insufficient permissions: mallory lacks metrics:update"
            )
        kept = await anonymous.get(f"{DASHBOARDS}/time_series/{name}", headers=bearer(lacking))
        assert kept.json()["dashboard"]["data"] == {"charts": []}
        assert (await client.get(f"{DASHBOARDS}/time_series/{name}-new")).status_code == 404
        envs = (await client.get("/api/v1/environments/")).json()
        assert env not in str(envs)
        # the same writes with metrics:update go through
        answer = await anonymous.put(
            f"{DASHBOARDS}/time_series/{name}", json={"data": {}}, headers=bearer(everything)
        )
        assert answer.status_code == 200, answer.text
    finally:
        await client.delete(f"{DASHBOARDS}/time_series/{name}")
        await client.delete(f"{DASHBOARDS}/time_series/{name}-new")


async def test_without_the_public_key_an_operator_token_is_a_403_naming_it(
    anonymous: httpx.AsyncClient, reader: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PUBLIC_KEY_VARIABLE, raising=False)
    answer = await anonymous.get("/api/v1/environments/", headers=bearer(OwnTokens().token()))
    assert answer.status_code == 403 and PUBLIC_KEY_VARIABLE in answer.json()["error"]
    # the machine tokens keep working
    assert (await reader.get("/api/v1/environments/")).status_code == 200
    wrong = await anonymous.post(
        DASHBOARDS, json={}, headers={"Authorization": f"Bearer {READ_TOKEN}"}
    )
    assert wrong.status_code == 403 and "METRICS_API_WRITE_TOKEN" in wrong.json()["error"]
