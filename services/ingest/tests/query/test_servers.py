"""A bucket's servers need Redis to say who is online: without it the answer is a 503 (the kit's
Unavailable), never every server offline with a 200."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from ingest.app import create_app
from ingest.settings import Settings
from ingest.state import State


@pytest.fixture
async def without_redis(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An instance on the same MongoDB and Elasticsearch whose Redis does not answer."""
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        dead = f"redis://127.0.0.1:{sock.getsockname()[1]}/0"
    app = create_app(settings.model_copy(update={"redis_url": dead}))
    headers = {"Authorization": f"Bearer {settings.admin_token}"}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://ingest", headers=headers, timeout=30
        ) as client:
            yield client


async def test_servers_without_redis_are_a_503_not_all_offline(
    admin: httpx.AsyncClient,
    bucket: dict[str, Any],
    ingest: State,
    without_redis: httpx.AsyncClient,
) -> None:
    await ingest.buckets.server_seen(bucket["id"], "web-1", {"hostname": "web-1"})
    listed = await admin.get(f"/api/buckets/{bucket['id']}/servers")
    assert [s["machine_name"] for s in listed.json()] == ["web-1"]
    for path in (
        f"/api/buckets/{bucket['id']}/servers",
        f"/api/admin/buckets/{bucket['id']}/servers",
    ):
        answer = await without_redis.get(path)
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"].startswith("redis unavailable")
        assert answer.headers["retry-after"] == "5"


async def test_an_engine_outage_is_the_kits_unavailable(
    bucket: dict[str, Any], keys: Any, without_redis: httpx.AsyncClient
) -> None:
    """The key lookup reads Redis first: its connection error is answered by the one outage
    rule (ingest.outages) through the kit's handler."""
    frames = [{"channel": "human:event", "payload": {"name": "x"}}]
    answer = await without_redis.post("/api/push", headers=keys(bucket, "web-1"), json=frames)
    assert answer.status_code == 503
    assert answer.json() == {"error": "redis unavailable, retry later", "detail": "ConnectionError"}
    assert answer.headers["retry-after"] == "5"
