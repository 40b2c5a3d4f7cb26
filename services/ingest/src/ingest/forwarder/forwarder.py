"""Numeric process metrics forwarded to metrics-api's write API, in batches, with retries.

Points are queued in a Redis Stream (bounded: the oldest are trimmed if metrics-api stays away for
very long) and a consumer group posts them as `POST {url}/api/v1/metrics/{table}` with
`{"points": [{environment, application, metric_name, metric_timestamp, value}]}` and
`Authorization: Bearer <METRICS_API_WRITE_TOKEN>`: environment = bucket name, application = process
name. A refused token (401/403) is a misconfiguration, not bad points: they stay queued and are
retried until the token is fixed.

`url` may list several metrics-api instances, space-separated (INGEST_METRICS_API_URL, like
KM_ELASTICSEARCH_URL): batches go to them in turn, and a batch one of them did not take (unreachable,
5xx, 429) is tried on the next one; the backoff starts once every instance failed it in a row.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
from redis.asyncio import Redis

from ingest.intake.documents import number
from ingest.stream_queue import Item, StreamQueue, field

log = logging.getLogger("ingest.forwarder")

MAX_QUEUE = 200_000
MAX_BACKOFF = 30.0


def iso(ms: int) -> str:
    """An ISO 8601 UTC timestamp with milliseconds."""
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def points_of(environment: str, procs: list[dict[str, Any]], ms: int) -> list[dict[str, Any]]:
    """cpu, memory and every numeric axm_monitor value of each process of a status."""
    stamp = iso(ms)
    points = []
    for proc in procs:
        app = proc.get("name")
        if not isinstance(app, str) or not app:
            continue
        values: dict[str, float | None] = {
            "cpu": number(proc.get("cpu")),
            "memory": number(proc.get("memory")),
        }
        monitor = proc.get("axm_monitor")
        if isinstance(monitor, dict):
            for name, entry in monitor.items():
                values[str(name)] = number(entry.get("value") if isinstance(entry, dict) else entry)
        for name, value in values.items():
            if value is not None:
                points.append(
                    {
                        "environment": environment,
                        "application": app,
                        "metric_name": name,
                        "metric_timestamp": stamp,
                        "value": value,
                    }
                )
    return points


class Forwarder:
    """Queues points in Redis and posts them to metrics-api."""

    def __init__(
        self,
        *,
        redis: Redis,
        key: str,
        group: str,
        consumer: str,
        url: str,
        table: str,
        batch: int,
        token: str = "",
    ):
        self.queue = StreamQueue(redis, key, group, maxlen=MAX_QUEUE)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.consumer = consumer
        self.endpoints = [f"{base.rstrip('/')}/api/v1/metrics/{table}" for base in url.split()]
        if not self.endpoints:
            raise ValueError("no metrics-api URL")
        self.turn = 0  # the endpoint the next attempt goes to
        self.batch = batch
        self.sent = 0
        self.sent_to: Counter[str] = Counter()  # points each endpoint took
        self.dropped = 0
        self.refused = 0  # answers refusing the token (the points stay queued)

    async def enqueue(self, points: list[dict[str, Any]]) -> None:
        """Queues points for forwarding."""
        if points:
            await self.queue.add({"p": orjson.dumps(points)})

    async def _post(self, client: httpx.AsyncClient, points: list[dict[str, Any]]) -> None:
        """Posts points until metrics-api takes them; 4xx batches are logged and dropped, except a
        refused token (401/403), which is retried."""
        backoff = 1.0
        for start in range(0, len(points), self.batch):
            chunk = points[start : start + self.batch]
            failures = 0
            while True:
                endpoint = self.endpoints[self.turn % len(self.endpoints)]
                self.turn += 1
                try:
                    response = await client.post(  # orjson: the stdlib encoder cost 2% of ingest
                        endpoint,
                        content=orjson.dumps({"points": chunk}),
                        headers={**self.headers, "Content-Type": "application/json"},
                    )
                    if response.status_code < 300:
                        self.sent += len(chunk)
                        self.sent_to[endpoint] += len(chunk)
                        break
                    if response.status_code in (401, 403):
                        self.refused += 1
                        log.error(
                            "metrics-api refused the write token (%s); set METRICS_API_WRITE_TOKEN"
                            " to its write token; retrying",
                            response.status_code,
                        )
                    elif 400 <= response.status_code < 500 and response.status_code != 429:
                        self.dropped += len(chunk)
                        log.error("metrics-api refused %d points: %s", len(chunk), response.text)
                        break
                    else:
                        log.warning("metrics-api answered %s; retrying", response.status_code)
                except httpx.HTTPError as exc:
                    log.warning("metrics-api unreachable at %s (%s); retrying", endpoint, exc)
                failures += 1
                if failures % len(self.endpoints) == 0:
                    await asyncio.sleep(backoff)
                    backoff = min(MAX_BACKOFF, backoff * 2)

    async def run(self) -> None:
        """Forwards queued points until cancelled."""
        async with httpx.AsyncClient(timeout=10) as client:

            async def forward(items: list[Item]) -> None:
                points = [p for _, fields in items for p in orjson.loads(field(fields, "p"))]
                await self._post(client, points)
                await self.queue.done([entry_id for entry_id, _ in items])

            await self.queue.consume(self.consumer, forward, count=50, claim_idle_ms=60_000)
