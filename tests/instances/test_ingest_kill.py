"""Killing one of two ingest instances under load loses no accepted request (issue 15 §2).

A bounded load through a private nginx in front of two ingest processes (HTTP pushes of 20 log
lines each, every line unique, and GETs of the bucket's servers); one instance gets kill -9
mid-load. Every request is answered 2xx, or a clean 502/503 a client may retry (a POST that had
reached the killed instance: nginx never sends a POST twice), or — at most one per client, those
in flight at the kill — cut after its status line; every push answered 202 is stored
exactly once in Elasticsearch once the survivor has claimed the dead instance's stream entries.

Runs only with MERIDIAN_INSTANCE_TESTS=1 (`make test-instances`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.instances.kill_under_load import CUT, RETRYABLE, answered, cut_in_flight
from tests.instances.private_ingest import PrivateIngest, bucket_keys, elasticsearch

pytestmark = pytest.mark.skipif(
    os.environ.get("MERIDIAN_INSTANCE_TESTS") != "1",
    reason="starts private ingest instances: `make test-instances` (MERIDIAN_INSTANCE_TESTS=1)",
)

CLIENTS = 4  # concurrent clients: a bounded load on a shared 2-core machine
MAX_PUSHES = 400  # per run, whatever the machine's speed
LINES = 20  # per push: MAX_PUSHES x LINES documents at most, read back in one search
LOAD_SECONDS = 12.0
KILL_AFTER = 4.0


@pytest.fixture(scope="module")
def private(tmp_path_factory: pytest.TempPathFactory, tls_dir: Path) -> Iterator[PrivateIngest]:
    suite = PrivateIngest(tmp_path_factory.mktemp("ingest-kill"), tls_dir)
    try:
        suite.start()
        yield suite
    finally:
        suite.stop()


class Load:
    """What the clients sent and what they were answered."""

    def __init__(self) -> None:
        self.accepted: list[str] = []  # lines whose push was answered 202
        self.answers: Counter[tuple[str, int]] = Counter()
        self.unexpected: list[str] = []
        self.sent = 0
        self.half_sent = asyncio.Event()  # set once half of MAX_PUSHES are sent


async def client_loop(
    n: int, private: PrivateIngest, bucket: dict[str, Any], load: Load, until: float
) -> None:
    push = f"{private.gateway}/api/push"
    servers = f"{private.gateway}/api/buckets/{bucket['id']}/servers"
    headers = bucket_keys(bucket, f"r2i-kill-{n}")
    async with httpx.AsyncClient(verify=private.tls(), timeout=60) as client:
        k = 0
        while time.monotonic() < until and load.sent < MAX_PUSHES:
            lines = [f"r2i-kill-{n}-{k}-{i}" for i in range(LINES)]
            process = {"name": "app", "pm_id": 0}
            frames = [
                {
                    "channel": "logs",
                    "payload": {"data": line, "log_type": "out", "process": process},
                }
                for line in lines
            ]
            load.sent += 1
            if load.sent >= MAX_PUSHES // 2:
                load.half_sent.set()
            pushed = await answered(client.post(push, json=frames, headers=headers))
            load.answers[("POST", pushed)] += 1
            if pushed == 202:
                load.accepted.extend(lines)
            elif pushed not in RETRYABLE | {CUT}:
                load.unexpected.append(f"POST {pushed}")
            got = await answered(client.get(servers, headers=headers))
            load.answers[("GET", got)] += 1
            if got not in {200, CUT} | RETRYABLE:
                load.unexpected.append(f"GET {got}")
            k += 1


async def stored_lines(private: PrivateIngest, bucket_id: str) -> Counter[str]:
    """How many log documents hold each line (at most MAX_PUSHES x LINES of them exist)."""
    es = elasticsearch()
    try:
        found = await es.search(
            index=f"{private.index_prefix}-logs-{bucket_id}-*",
            size=MAX_PUSHES * LINES + 1,
            source=["message"],
            query={"match_all": {}},
            ignore_unavailable=True,
        )
    finally:
        await es.close()
    return Counter(hit["_source"]["message"] for hit in found["hits"]["hits"])


async def test_killing_an_instance_under_load_loses_no_accepted_push(
    private: PrivateIngest,
) -> None:
    bucket = private.bucket(f"r2i-kill-{uuid.uuid4().hex[:6]}")
    load = Load()
    start = time.monotonic()
    clients = [
        asyncio.create_task(client_loop(n, private, bucket, load, start + LOAD_SECONDS))
        for n in range(CLIENTS)
    ]
    # After KILL_AFTER seconds, or sooner on a fast machine once half the pushes are sent.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(load.half_sent.wait(), KILL_AFTER)
    before_kill = sum(load.answers.values())
    redis = private.redis()
    before = await redis.xpending(f"{private.redis_prefix}:intake", "bulk-writers")
    private.kill(1)
    await redis.aclose()
    await asyncio.gather(*clients)
    after_kill = sum(load.answers.values()) - before_kill

    assert load.unexpected == [], load.unexpected[:10]
    cut_in_flight(load.answers, CLIENTS)
    assert before_kill > 0 and after_kill > 0, load.answers  # the kill happened mid-load
    assert load.accepted
    await private.idle()  # the survivor claimed and wrote what the dead one had read
    stored = await stored_lines(private, bucket["id"])
    assert sum(stored.values()) <= MAX_PUSHES * LINES  # the search saw every document
    lost = [line for line in load.accepted if stored[line] == 0]
    doubled = {line: count for line, count in stored.items() if count > 1}
    assert lost == [] and doubled == {}, (lost[:10], doubled, load.answers)
    held = {c["name"]: c["pending"] for c in before["consumers"]}
    print(
        f"answers {dict(load.answers)}; accepted {len(load.accepted)} lines; stored {len(stored)}"
    )
    print(f"intake entries held by each bulk writer when instance 1 was killed: {held}")
