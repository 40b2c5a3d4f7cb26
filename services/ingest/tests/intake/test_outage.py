"""Elasticsearch stopped during a push load and started again: indexed = accepted, exactly.

It stops the shared Elasticsearch for a few seconds, so it runs only when asked:
MERIDIAN_OUTAGE_TESTS=1 uv run pytest -m outage services/ingest
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import httpx
import pytest
from ingest.state import State

ROOT = Path(__file__).resolve().parents[4]
pytestmark = [
    pytest.mark.outage,
    pytest.mark.skipif(
        os.environ.get("MERIDIAN_OUTAGE_TESTS") != "1",
        reason="stops the shared Elasticsearch: set MERIDIAN_OUTAGE_TESTS=1 to run",
    ),
]


async def stack(action: str) -> None:
    process = await asyncio.create_subprocess_exec(
        "bash",
        str(ROOT / "deploy/local/stack.sh"),
        action,
        "elasticsearch",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert await process.wait() == 0


async def es_answers(ingest: State) -> None:
    for _ in range(600):
        try:
            await ingest.es.cluster.health(wait_for_status="yellow", timeout="1s")
            return
        except Exception:
            await asyncio.sleep(0.5)
    raise AssertionError("Elasticsearch did not come back")


@pytest.mark.timeout(600)
async def test_elasticsearch_outage_loses_and_duplicates_nothing(
    anonymous: httpx.AsyncClient, bucket: dict[str, Any], keys: Any, drain: Any, ingest: State
) -> None:
    accepted = 0
    refused = 0
    stop = asyncio.Event()

    async def load() -> None:
        nonlocal accepted, refused
        n = 0
        while not stop.is_set():
            frames = [
                {
                    "channel": "logs",
                    "payload": {"data": f"line {n}-{i}", "process": {"name": "api"}},
                }
                for i in range(50)
            ]
            response = await anonymous.post(
                "/api/push", headers=keys(bucket, "outage"), json=frames
            )
            if response.status_code == 202:
                accepted += len(frames)
            else:
                assert response.status_code == 503
                refused += 1
            n += 1
            await asyncio.sleep(0.02)

    retries_before = ingest.writer_stats.retries
    loader = asyncio.create_task(load())
    await asyncio.sleep(2)
    await stack("stop")
    try:
        await asyncio.sleep(4)
        assert await ingest.stream.backlog() > 0  # accepted while Elasticsearch is down
    finally:
        await stack("start")
    await es_answers(ingest)
    await asyncio.sleep(2)
    stop.set()
    await loader
    await drain(within=300)
    count = await ingest.es.count(index=f"{ingest.settings.index_prefix}-logs-{bucket['id']}-*")
    assert accepted > 0
    assert count["count"] == accepted
    assert ingest.writer_stats.retries > retries_before
    assert ingest.writer_stats.dead == 0
