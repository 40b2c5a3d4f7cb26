"""The one outage rule: an engine that does not answer is the kit's Unavailable (503, Retry-After,
naming the engine), answered by the kit's handler (ingest.outages)."""

from __future__ import annotations

from typing import Any

import httpx


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
