"""analytics benchmark: `POST /analytic/compute` called 100 times through the gateway queues each
analytic once, and the route's rate limit.

    uv run python bench/analytics_compute.py [--calls 100] [--analytics 5] [--in-flight 10]

Needs `make up` (the gateway, `analytics` and `analytics-worker`). Creates a few analytics of a
project of its own (no messages: each computes in milliseconds), calls `POST /analytic/compute`
with no id `--calls` times, waits until the job queue has drained and no marker is left, then
counts the jobs the worker actually ran for each of its analytics (the worker's log line
`analytic <id> updated`). It starts once no earlier fan-out is cooling down and a new rate
window begins (so other callers' calls do not count). Deletes its analytics at the end. Last line:
`RESULT analytics_compute_queued_per_analytic <max runs of one analytic> jobs (goal == 1)`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
from redis import Redis

ROOT = Path(__file__).resolve().parents[1]
WORKER_LOG = ROOT / ".local/logs/analytics-worker.log"
UPDATED = re.compile(r"analytic ([0-9a-f-]{36}) updated")


def dev_env() -> dict[str, str]:
    """The suite's generated settings (APIKEY, CELERY_BROKER_URL…), under the process's own."""
    out: dict[str, str] = {}
    for line in (ROOT / ".local/dev.env").read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            out[key.strip()] = value.strip()
    return {**out, **os.environ}


def runs_since(offset: int, ids: set[str]) -> Counter[str]:
    """How many times the worker logged `analytic <id> updated` for each id, after offset."""
    runs: Counter[str] = Counter()
    with WORKER_LOG.open("rb") as log:
        log.seek(offset)
        for raw in log:
            for analytic_id in UPDATED.findall(raw.decode(errors="replace")):
                if analytic_id in ids:
                    runs[analytic_id] += 1
    return runs


def drained(redis: Redis, queue: str, ids: set[str]) -> bool:
    """No job waits in the queue and no bench analytic is marked queued."""
    if redis.llen(queue):
        return False
    return not any(redis.exists(f"analytics:queued:analytics.update_analytic:{i}") for i in ids)


async def quiet_start(redis: Redis, window: int) -> None:
    """Waits out an earlier fan-out's cool-down (a fuzz run's, say) and the current rate window."""
    for _ in range(300):
        if not redis.exists("analytics:queued:analytics.update_analytics:all"):
            break
        await asyncio.sleep(1)
    await asyncio.sleep(window - time.time() % window + 0.5)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--analytics", type=int, default=5)
    parser.add_argument("--in-flight", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()
    env = dev_env()
    base = env.get("GATEWAY_URL", "https://localhost:8443") + "/analytics"
    project = f"bench-compute-{uuid.uuid4().hex[:6]}"
    redis = Redis.from_url(env["CELERY_BROKER_URL"])
    queue = env.get("ANALYTICS_QUEUE", "analytics")
    async with httpx.AsyncClient(
        base_url=base,
        headers={"X-Api-Key": env["APIKEY"]},
        verify=str(ROOT / ".local/tls/ca.crt"),
        timeout=30,
    ) as http:
        ids: list[str] = []
        for n in range(args.analytics):
            descriptor = {
                "type": "count",
                "dimension": "user",
                "metric": ["total", "active", "engaged", "new", "total"][n % 5],
                "project": project,
                "timespan": {"type": "moving", "value": f"{n + 1}d"},
            }
            created = await http.post("/analytic", json=descriptor)
            created.raise_for_status()
            ids.append(created.json()["id"])
        await quiet_start(redis, int(env.get("ANALYTICS_COMPUTE_RATE_WINDOW", "60")))
        offset = WORKER_LOG.stat().st_size
        statuses: Counter[int] = Counter()
        retry_after: set[str] = set()
        slots = asyncio.Semaphore(args.in_flight)

        async def call() -> None:
            async with slots:
                response = await http.post("/analytic/compute")
            statuses[response.status_code] += 1
            if response.status_code == 429:
                retry_after.add(response.headers.get("Retry-After", "?"))

        started = time.perf_counter()
        await asyncio.gather(*(call() for _ in range(args.calls)))
        calls_s = time.perf_counter() - started
        deadline = time.monotonic() + args.timeout
        wanted = set(ids)
        while time.monotonic() < deadline:
            done = runs_since(offset, wanted)
            if set(done) == wanted and drained(redis, queue, wanted):
                break
            await asyncio.sleep(1)
        await asyncio.sleep(3)  # a duplicate that was running would have logged by now
        runs = runs_since(offset, wanted)
        for analytic_id in ids:
            await http.delete("/analytic", params={"id": analytic_id})
    redis.close()
    per = [runs.get(i, 0) for i in ids]
    print(
        f"{args.calls} calls of POST /analytic/compute (no id) in {calls_s:.2f} s, {args.in_flight} in flight"
    )
    print(f"answers: {dict(sorted(statuses.items()))}; Retry-After on 429: {sorted(retry_after)}")
    print(f"jobs run per bench analytic ({len(ids)} analytics): {per}")
    print(f"load average: {os.getloadavg()[0]:.1f}")
    print(f"RESULT analytics_compute_queued_per_analytic {max(per)} jobs (goal == 1)")


if __name__ == "__main__":
    asyncio.run(main())
