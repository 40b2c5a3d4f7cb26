"""Numeric metrics forwarded to the real metrics-api (skipped when it does not answer)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
import uuid

import httpx
import pytest
from ingest.forwarder.forwarder import Forwarder, iso, points_of
from ingest.state import State

METRICS_API = os.environ.get("INGEST_METRICS_API_URL") or "http://127.0.0.1:8104"
WRITE_TOKEN = os.environ.get("METRICS_API_WRITE_TOKEN", "")


def processes(cpu: float) -> list[dict]:
    proc = {
        "name": "api",
        "pm_id": 0,
        "cpu": cpu,
        "memory": 2048,
        "axm_monitor": {"Heap Size": {"value": "12.5"}, "label": {"value": "text"}},
    }
    return [proc]


def test_points_are_numeric_metrics_per_process() -> None:
    points = points_of("shop", processes(3), 1_700_000_000_123)
    assert [(p["metric_name"], p["value"]) for p in points] == [
        ("cpu", 3.0),
        ("memory", 2048.0),
        ("Heap Size", 12.5),
    ]
    assert {(p["environment"], p["application"], p["metric_timestamp"]) for p in points} == {
        ("shop", "api", "2023-11-14T22:13:20.123Z")
    }


def forwarder_of(
    ingest: State, queue: str, *, batch: int, token: str, url: str = METRICS_API
) -> Forwarder:
    """A forwarder of the test's own queue to the suite's metrics-api's gauges."""
    return Forwarder(
        redis=ingest.redis,
        key=f"{ingest.keys.prefix}:{queue}",
        group="forwarders",
        consumer="test",
        url=url,
        table="raw_gauge",
        batch=batch,
        token=token,
    )


async def metrics_api_ready() -> None:
    """Skips unless the suite's metrics-api answers, and the write token is known."""
    try:
        async with httpx.AsyncClient(timeout=5) as probe:
            ready = await probe.get(f"{METRICS_API}/readyz")
    except httpx.HTTPError as exc:
        pytest.skip(f"metrics-api does not answer at {METRICS_API}: {exc}")
    if ready.status_code != 200:
        pytest.skip(f"metrics-api is not ready: {ready.text[:200]}")
    if not WRITE_TOKEN:
        pytest.skip("METRICS_API_WRITE_TOKEN is not set (.local/dev.env)")


async def run_until_forwarded(ingest: State, forwarder: Forwarder, points: int) -> None:
    """Runs the forwarder until it sent that many points and removed their entries from its
    queue (it removes them after the post: stopping it as soon as the points are sent could
    leave them queued, to be sent again), or 30 s; then stops it."""
    task = asyncio.create_task(forwarder.run())
    try:
        for _ in range(300):
            if forwarder.sent >= points and not await ingest.redis.xlen(forwarder.queue.key):
                break
            await asyncio.sleep(0.1)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_forwarder_posts_batches_to_metrics_api(ingest: State) -> None:
    await metrics_api_ready()
    environment = f"ingest-test-{uuid.uuid4().hex[:8]}"
    # several batches for three points per status
    forwarder = forwarder_of(ingest, "forward-test", batch=2, token=WRITE_TOKEN)
    now = int(time.time() * 1000)
    for i, cpu in enumerate((10, 30)):
        await forwarder.enqueue(points_of(environment, processes(cpu), now - 60_000 + i * 1000))
    await run_until_forwarded(ingest, forwarder, 6)
    assert (forwarder.sent, forwarder.dropped) == (6, 0)
    auth = {"Authorization": f"Bearer {WRITE_TOKEN}"}
    async with httpx.AsyncClient(base_url=METRICS_API, timeout=30, headers=auth) as client:
        response = await client.get(
            f"/api/v1/metrics/raw_gauge/{environment}/api/cpu",
            params={
                "columns": "value",
                "start_timestamp": iso(now - 3_600_000),
                "end_timestamp": iso(now + 60_000),
            },
        )
    assert response.status_code == 200, response.text
    rows = response.json()["data"]["rows"]
    assert [row[1] for row in rows] == [10.0, 30.0]
    assert await ingest.redis.xlen(forwarder.queue.key) == 0


async def test_a_refused_token_keeps_the_points_queued(ingest: State) -> None:
    await metrics_api_ready()
    forwarder = forwarder_of(ingest, "forward-refused", batch=10, token="not-the-write-token")
    await forwarder.enqueue(points_of("refused", processes(5), int(time.time() * 1000)))
    task = asyncio.create_task(forwarder.run())
    try:
        for _ in range(300):
            if forwarder.refused:
                break
            await asyncio.sleep(0.1)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert forwarder.refused >= 1
    assert (forwarder.sent, forwarder.dropped) == (0, 0)
    assert await ingest.redis.xlen(forwarder.queue.key) == 1  # still there for the next try


async def test_a_list_of_instances_takes_turns_and_skips_one_that_does_not_answer(
    ingest: State,
) -> None:
    """INGEST_METRICS_API_URL listing two instances, one of them gone: every point reaches the
    other, each batch having tried the gone one in its turn."""
    await metrics_api_ready()
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        gone = f"http://127.0.0.1:{sock.getsockname()[1]}"
    forwarder = forwarder_of(
        ingest, "forward-list", batch=2, token=WRITE_TOKEN, url=f"{gone} {METRICS_API}/"
    )
    environment = f"ingest-test-{uuid.uuid4().hex[:8]}"
    now = int(time.time() * 1000)
    for i, cpu in enumerate((10, 30)):
        await forwarder.enqueue(points_of(environment, processes(cpu), now - 60_000 + i * 1000))
    await run_until_forwarded(ingest, forwarder, 6)
    live = f"{METRICS_API}/api/v1/metrics/raw_gauge"
    assert forwarder.sent_to == {live: 6}
    assert forwarder.turn >= 5  # three batches, the gone instance tried between them
    assert await ingest.redis.xlen(forwarder.queue.key) == 0
