"""Plain HTTP push: 202 once durable, clear 4xx otherwise, 503 past the backlog bound."""

from __future__ import annotations

from typing import Any

import httpx
from ingest.state import State


async def test_push_is_accepted_then_indexed(
    anonymous: httpx.AsyncClient, bucket: dict[str, Any], keys: Any, drain: Any, ingest: State
) -> None:
    frames = [
        {"channel": "logs", "payload": {"data": f"line {i}", "process": {"name": "api"}}}
        for i in range(25)
    ]
    frames.append({"channel": "anything:else", "payload": {"k": "v"}})
    response = await anonymous.post("/api/push", headers=keys(bucket, "pusher"), json=frames)
    assert response.status_code == 202
    assert response.json()["accepted"] == 26
    await drain()
    logs = await ingest.es.count(index=f"{ingest.settings.index_prefix}-logs-{bucket['id']}-*")
    events = await ingest.es.count(index=f"{ingest.settings.index_prefix}-events-*")
    assert logs["count"] == 25
    assert events["count"] >= 1
    # The cross-bucket daily alias reaches the same documents.
    names = ingest.indices.names
    alias = await ingest.es.indices.get_alias(index=f"{names.prefix}-logs-{bucket['id']}-*")
    assert any(
        a.startswith(f"{names.prefix}-logs-20")
        for idx in alias.body.values()
        for a in idx["aliases"]
    )


async def test_bad_pushes_get_clear_errors(
    anonymous: httpx.AsyncClient, bucket: dict[str, Any], keys: Any, ingest: State
) -> None:
    cases = [
        (b"{nope", 400, "not JSON"),
        (b"{}", 400, "must be a non-empty JSON array"),
        (b"[]", 400, "must be a non-empty JSON array"),
        (b'[{"channel": ""}]', 400, "[0].channel"),
        (b'[{"channel": "logs", "payload": {}}, 3]', 400, "[1]: expected an object"),
        (b'[{"channel": "status:patch", "payload": []}]', 400, "status:patch needs a websocket"),
        (b"[" + b'"x",' * ingest.settings.max_push_frames + b'"x"]', 413, "frames exceed"),
    ]
    for body, status, message in cases:
        response = await anonymous.post("/api/push", headers=keys(bucket), content=body)
        assert response.status_code == status, (body[:40], response.text)
        assert message in response.json()["error"]
    too_big = b'[{"channel": "x", "payload": "' + b"x" * ingest.settings.max_message_bytes + b'"}]'
    response = await anonymous.post("/api/push", headers=keys(bucket), content=too_big)
    assert response.status_code == 413
    no_keys = await anonymous.post("/api/push", json=[{"channel": "x"}])
    assert no_keys.status_code == 401
    assert no_keys.json()["error"].startswith("missing credentials")
    wrong = await anonymous.post(
        "/api/push", headers={**keys(bucket), "X-KM-SECRET": "no"}, json=[{"channel": "x"}]
    )
    assert wrong.status_code == 401


async def test_past_the_backlog_bound_pushes_get_503_with_retry_after(
    anonymous: httpx.AsyncClient, bucket: dict[str, Any], keys: Any, ingest: State
) -> None:
    bound = ingest.stream.max_entries
    ingest.stream.max_entries = 0  # the bound as if the backlog were full, on the real path
    try:
        response = await anonymous.post(
            "/api/push", headers=keys(bucket), json=[{"channel": "logs", "payload": {"data": "x"}}]
        )
    finally:
        ingest.stream.max_entries = bound
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.json()["error"] == "intake backlog full, retry later"
