"""Numeric process metrics forwarded to metrics-api's write API, in batches, with retries.

Points are queued in a Redis Stream (bounded: the oldest are trimmed if metrics-api stays away for
very long) and a consumer group posts them as `POST {url}/api/v1/metrics/{table}` with
`{"points": [{environment, application, metric_name, metric_timestamp, value}]}`:
environment = bucket name, application = process name.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from ingest.agent.channels import processes_of
from ingest.intake.documents import number

log = logging.getLogger("ingest.forwarder")

MAX_QUEUE = 200_000
MAX_BACKOFF = 30.0


def iso(ms: int) -> str:
    """An ISO 8601 UTC timestamp with milliseconds."""
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def points_of(environment: str, status: dict[str, Any], ms: int) -> list[dict[str, Any]]:
    """cpu, memory and every numeric axm_monitor value of each process in a status."""
    stamp = iso(ms)
    points = []
    for proc in processes_of(status):
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
    ):
        self.redis = redis
        self.key = key
        self.group = group
        self.consumer = consumer
        self.endpoint = f"{url.rstrip('/')}/api/v1/metrics/{table}"
        self.batch = batch
        self.sent = 0
        self.dropped = 0

    async def enqueue(self, points: list[dict[str, Any]]) -> None:
        """Queues points for forwarding."""
        if points:
            await self.redis.xadd(
                self.key, {"p": orjson.dumps(points)}, maxlen=MAX_QUEUE, approximate=True
            )

    async def _ensure_group(self) -> None:
        try:
            await self.redis.xgroup_create(self.key, self.group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def _read(self) -> tuple[list[str], list[dict[str, Any]]]:
        ids: list[str] = []
        points: list[dict[str, Any]] = []
        claimed = await self.redis.xautoclaim(
            self.key, self.group, self.consumer, min_idle_time=60_000, start_id="0-0", count=50
        )
        items = [(i, f) for i, f in (claimed[1] if claimed else []) if f]
        if not items:
            found = await self.redis.xreadgroup(
                self.group, self.consumer, {self.key: ">"}, count=50, block=1000
            )
            items = [(i, f) for _, entries in found or [] for i, f in entries if f]
        for entry_id, fields in items:
            ids.append(entry_id.decode() if isinstance(entry_id, bytes) else entry_id)
            points.extend(orjson.loads(fields.get(b"p", fields.get("p"))))
        return ids, points

    async def _post(self, client: httpx.AsyncClient, points: list[dict[str, Any]]) -> None:
        """Posts points until metrics-api takes them; 4xx batches are logged and dropped."""
        backoff = 1.0
        for start in range(0, len(points), self.batch):
            chunk = points[start : start + self.batch]
            while True:
                try:
                    response = await client.post(self.endpoint, json={"points": chunk})
                    if response.status_code < 300:
                        self.sent += len(chunk)
                        break
                    if 400 <= response.status_code < 500 and response.status_code != 429:
                        self.dropped += len(chunk)
                        log.error("metrics-api refused %d points: %s", len(chunk), response.text)
                        break
                    log.warning("metrics-api answered %s; retrying", response.status_code)
                except httpx.HTTPError as exc:
                    log.warning("metrics-api unreachable (%s); retrying", exc)
                await asyncio.sleep(backoff)
                backoff = min(MAX_BACKOFF, backoff * 2)

    async def run(self) -> None:
        """Forwards queued points until cancelled."""
        group_ready = False
        async with httpx.AsyncClient(timeout=10) as client:
            while True:
                try:
                    if not group_ready:
                        await self._ensure_group()
                        group_ready = True
                    ids, points = await self._read()
                    if ids:
                        await self._post(client, points)
                        async with self.redis.pipeline(transaction=True) as pipe:
                            pipe.xack(self.key, self.group, *ids)
                            pipe.xdel(self.key, *ids)
                            await pipe.execute()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    group_ready = group_ready and "NOGROUP" not in str(exc)
                    log.warning("forwarder: %s; retrying", exc)
                    await asyncio.sleep(2)
