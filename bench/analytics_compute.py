"""analytics benchmark: `POST /analytic/compute` called 100 times through the gateway queues each
analytic once, and the route's rate limit; with --batch, the daily run computed in batches.

    uv run python bench/analytics_compute.py [--calls 100] [--analytics 5] [--in-flight 10]
    uv run python bench/analytics_compute.py --batch [--messages 1000000] [--analytics 10000] \
        [--projects 100] [--users 500] [--old-sample 50] [--record]

--batch: loads `--messages` messages of `--projects` projects and `--analytics` analytics drawn
from every type, metric and window into indices of its own (prefix `bench-batch-<tag>-`), times
one worker's daily run as the worker does it (the fan-out's scan, then `refresh_analytics` batch
after batch), then the old one-by-one path (find, compute alone, update with
`refresh=wait_for`) on `--old-sample` of them in the same run, checking each sampled batch result
equals its result alone. Deletes its indices. `--record` writes its section of bench/RESULTS.md.
Last line: `RESULT analytics_batch_compute_s <seconds> s (goal < 60)`.

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
import random
import re
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from redis import Redis
from results_file import write_section

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "services/analytics/src"))

from analytics.analytic.compute import Context, compute  # noqa: E402
from analytics.analytic.descriptors import parse_descriptor  # noqa: E402
from analytics.analytic.store import find  # noqa: E402
from analytics.migrations.cli import migrate  # noqa: E402
from analytics.migrations.manager import DEFAULT_FOLDER  # noqa: E402
from analytics.settings import Settings  # noqa: E402
from analytics.storage.client import build_client  # noqa: E402
from analytics.storage.indices import Indices  # noqa: E402
from analytics.worker.celery_app import BATCH_SIZE  # noqa: E402
from analytics.worker.jobs import due_analytics, refresh_analytics  # noqa: E402

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
    parser.add_argument("--batch", action="store_true", help="the daily run, batched vs alone")
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--projects", type=int, default=100)
    parser.add_argument("--users", type=int, default=500, help="per project")
    parser.add_argument("--old-sample", type=int, default=50)
    parser.add_argument("--record", action="store_true", help="write bench/RESULTS.md")
    args = parser.parse_args()
    if args.batch:
        if args.analytics == 5:
            args.analytics = 10_000
        await bench_batch(args)
        return
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


# ---------------------------------------------------------------------------------------------
# --batch: the daily run of many analytics over many messages, by one worker, batched vs alone.


COUNTS = (
    [("user", m) for m in ("total", "active", "engaged", "new")]
    + [("message", m) for m in ("requests", "responses", "notifications", "from_bot")]
    + [
        ("conversation", "total"),
        ("conversation", "new"),
        ("dialogue", "fallback"),
        ("dialogue", "intents"),
        ("dialogue", "domains"),
        ("bot", "response"),
    ]
)
SEGMENTATIONS = [("message", "all"), ("message", "requests"), ("user", "gender"), ("user", "age")]
AGGREGATIONS = ["avg", "min", "max", "sum", "stats", "value_count", "cardinality", "percentiles"]
MOVING = ["1d", "7d", "30d", "3m", "today", "all"]
GENDERS = ["male", "female", "non-binary", "prefer-not-to-say"]


def bench_messages(rng: random.Random, project: str, count: int, users: int, now: datetime):
    """A project's messages over 120 days: requests, responses, notifications, some profiles."""
    types = ["request", "response", "request", "response", "notification"]
    for i in range(count):
        user = rng.randrange(users)
        kind = types[i % 5]
        doc: dict[str, Any] = {
            "messageId": f"{project}-{i}",
            "conversationId": f"{project}-c{user}-{i // 40}",
            "channel": "web",
            "userId": f"u{user}",
            "timestamp": (now - timedelta(seconds=rng.randrange(120 * 86400))).isoformat(),
            "project": project,
            "type": kind,
            "metadata": {"score": rng.randrange(100)},
            "content": {"type": "text" if i % 7 else "action", "value": f"m {i}"},
        }
        if user % 3 == 0:
            doc["metadata"]["gender"] = GENDERS[user % 4]
            doc["metadata"]["age"] = 15 + user % 50
        if kind == "request":
            doc["intent"] = {"name": ["greet", "default", "ask", "book"][i % 4], "confidence": 0.9}
            doc["domain"] = ["travel", "food"][i % 2]
        yield doc


def bench_descriptor(rng: random.Random, project: str, now: datetime) -> dict[str, Any]:
    """One analytic drawn from every type, metric and window (fixed windows at random days)."""
    if rng.random() < 0.15:
        start = (now - timedelta(days=rng.randrange(100))).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        timespan: dict[str, Any] = {
            "type": "fixed",
            "start": start.isoformat(),
            "end": (start + timedelta(days=rng.choice([1, 7, 30]))).isoformat(),
        }
    else:
        timespan = {"type": "moving", "value": rng.choice(MOVING)}
    base = {"project": project, "timespan": timespan}
    draw = rng.random()
    if draw < 0.55:
        dimension, metric = rng.choice(COUNTS)
        return {**base, "type": "count", "dimension": dimension, "metric": metric}
    if draw < 0.7:
        dimension, metric = rng.choice(SEGMENTATIONS)
        return {**base, "type": "segmentation", "dimension": dimension, "metric": metric}
    filters = rng.choice(
        [[], [{"field": "metadata.score", "operation": "gre", "value": rng.randrange(100)}]]
    )
    return {
        **base,
        "type": "aggregation",
        "field": "metadata.score",
        "aggregation": rng.choice(AGGREGATIONS),
        "filters": filters,
    }


async def load(es: Any, index: str, docs: Any, chunk: int = 5000, lanes: int = 2) -> int:
    """Bulk-loads documents (their `_id`: `id` when present), `lanes` requests in flight."""
    loaded = 0
    pending: set[asyncio.Task[Any]] = set()
    body: list[dict[str, Any]] = []

    async def send(operations: list[dict[str, Any]]) -> None:
        answer = await es.bulk(operations=operations)
        if answer["errors"]:
            raise RuntimeError(f"bulk refused documents: {answer['items'][0]}")

    for doc in docs:
        body.append({"index": {"_index": index, **({"_id": doc["id"]} if "id" in doc else {})}})
        body.append(doc)
        loaded += 1
        if len(body) >= 2 * chunk:
            pending.add(asyncio.create_task(send(body)))
            body = []
            if len(pending) >= lanes:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    task.result()
    if body:
        pending.add(asyncio.create_task(send(body)))
    for task in pending:
        await task
    return loaded


def _without_creation(result: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if result is None else {k: v for k, v in result.items() if k != "creationDt"}


async def bench_batch(args: argparse.Namespace) -> None:
    for key, value in dev_env().items():
        os.environ.setdefault(key, value)
    tag = uuid.uuid4().hex[:6]
    prefix = f"bench-batch-{tag}-"
    settings = Settings().model_copy(update={"index_prefix": prefix})
    indices = Indices(prefix)
    es = build_client(settings)
    now = datetime.now(UTC)
    rng = random.Random(17)
    projects = [f"bench-batch-{tag}-p{n}" for n in range(args.projects)]
    per_project = args.messages // args.projects
    try:
        await migrate(settings, DEFAULT_FOLDER, f"{prefix}migrations")
        began = time.perf_counter()

        def every_message():
            for project in projects:
                yield from bench_messages(rng, project, per_project, args.users, now)

        loaded = await load(es, indices.message(), every_message())
        await es.indices.refresh(index=indices.messages)
        load_s = time.perf_counter() - began
        print(f"loaded {loaded} messages of {len(projects)} projects in {load_s:.0f} s")
        analytics = [
            {
                "id": str(uuid.uuid4()),
                "result": None,
                "descriptor": bench_descriptor(rng, rng.choice(projects), now),
            }
            for _ in range(args.analytics)
        ]
        parse = parse_descriptor
        for analytic in analytics:  # stored as the API stores them
            analytic["descriptor"] = parse(analytic["descriptor"]).model_dump(mode="json")
        await load(es, indices.analytic(), iter(analytics), chunk=2000)
        await es.indices.refresh(index=indices.analytics)
        distinct = len({repr(a["descriptor"]) for a in analytics})
        print(f"stored {len(analytics)} analytics ({distinct} distinct descriptors)")

        # The new path, as one worker runs it: the fan-out's scan, then batch after batch.
        began = time.perf_counter()
        ids = await due_analytics(settings, None)
        size = BATCH_SIZE
        updated = 0
        for first in range(0, len(ids), size):
            done = await refresh_analytics(settings, ids[first : first + size])
            updated += done["updated"]
        batch_s = time.perf_counter() - began
        print(f"batched: {updated} analytics computed and stored in {batch_s:.1f} s")

        # The old path on a sample, in the same run: find, compute alone, update + wait_for.
        sample = rng.sample(ids, min(args.old_sample, len(ids)))
        ctx = Context(es, indices, settings.cardinality_precision_threshold)
        began = time.perf_counter()
        mismatches = 0
        for analytic_id in sample:
            stored = await find(es=es, indices=indices, analytic_id=analytic_id)
            descriptor = parse(stored.document["descriptor"])
            alone = await compute(ctx, descriptor)
            await es.update(
                index=stored.index, id=stored.id, doc={"result": alone}, refresh="wait_for"
            )
            if _without_creation(alone) != _without_creation(stored.document["result"]):
                mismatches += 1
                print(f"differs: {descriptor!r}: {stored.document['result']} vs {alone}")
        old_each = (time.perf_counter() - began) / max(1, len(sample))
        old_total = old_each * len(ids)
    finally:
        await es.indices.delete(index=f"{prefix}*", ignore_unavailable=True, allow_no_indices=True)
        for name in ("message", "analytic", "logging"):
            await es.options(ignore_status=404).indices.delete_index_template(
                name=f"{prefix}memex-{name}"
            )
        await es.close()
    ratio = old_total / batch_s
    load_avg = os.getloadavg()[0]
    print(
        f"one by one (old path, {len(sample)} sampled): {old_each * 1000:.0f} ms each, "
        f"{old_total:.0f} s for {len(ids)}; batched is {ratio:.0f}x faster"
    )
    print(f"batch results equal to alone: {len(sample) - mismatches}/{len(sample)} sampled")
    print(f"load average: {load_avg:.1f}")
    if args.record:
        write_section(
            "analytics-batch",
            [
                "## analytics: the daily run computed in batches (bench/analytics_compute.py --batch)",
                "",
                f"`uv run python bench/analytics_compute.py --batch --messages {args.messages} "
                f"--analytics {args.analytics} --projects {args.projects} --users {args.users}` "
                f"({now:%Y-%m-%d %H:%M} UTC, 2-core machine shared with the other helpers, load "
                f"average {load_avg:.1f}). In one process, as one worker: the fan-out's scan, then "
                f"batches of {size} (`refresh_analytics`), on indices of its own.",
                "",
                "| | value |",
                "|---|---|",
                f"| messages loaded ({len(projects)} projects, 120 days) | {loaded:,} in {load_s:.0f} s |",
                f"| analytics (distinct descriptors) | {len(ids):,} ({distinct:,}) |",
                f"| batched: all computed and stored | **{batch_s:.1f} s** |",
                f"| one by one, old path (find, compute, update + `refresh=wait_for`), "
                f"{len(sample)} sampled | {old_each * 1000:.0f} ms each → {old_total:.0f} s for all |",
                f"| ratio old / batched | {ratio:.0f} times |",
                f"| sampled batch results equal to computing alone | {len(sample) - mismatches}/{len(sample)} |",
                "",
                f"`RESULT analytics_batch_compute_s {batch_s:.1f} s (goal < 60)`",
            ],
        )
    print(f"RESULT analytics_batch_compute_s {batch_s:.1f} s (goal < 60)")


if __name__ == "__main__":
    asyncio.run(main())
