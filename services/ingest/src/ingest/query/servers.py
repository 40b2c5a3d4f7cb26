"""Servers of a bucket with their latest process list."""

from __future__ import annotations

import contextlib
from typing import Any

import orjson

from ingest.agent.channels import process_summary, processes_of
from ingest.context import Ingest


async def list_servers(
    ingest: Ingest, bucket_id: str, *, with_processes: bool, offset: int = 0, limit: int = 1000
) -> list[dict[str, Any]]:
    """A page of the servers seen in the bucket; online means an instance holds its websocket now."""
    servers = await ingest.buckets.store.list_servers(bucket_id, offset, limit)
    if not servers:
        return []
    names = [s["machine_name"] for s in servers]
    presence: list[Any] = [None] * len(names)
    statuses: list[Any] = [None] * len(names)
    with contextlib.suppress(Exception):
        presence = await ingest.redis.mget([ingest.keys.agent(bucket_id, n) for n in names])
        if with_processes:
            statuses = await ingest.redis.mget([ingest.keys.status(bucket_id, n) for n in names])
    out = []
    for server, present, raw in zip(servers, presence, statuses, strict=True):
        item = {
            k: server.get(k)
            for k in (
                "machine_name",
                "hostname",
                "pm2_version",
                "agent_version",
                "first_seen",
                "last_seen",
                "connected_at",
            )
        }
        item["online"] = bool(present)
        if with_processes:
            latest = orjson.loads(raw) if raw else None
            item["status_at"] = latest["received_at"] if latest else None
            item["processes"] = (
                [process_summary(p) for p in processes_of(latest["status"])] if latest else []
            )
        out.append(item)
    return out
