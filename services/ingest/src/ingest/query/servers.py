"""Servers of a bucket with their latest process list: the records in MongoDB, whether each is
online and its latest status from Redis. A server that only pushes over HTTP has a record without
its host and versions (verifyPM2 may send neither; only a websocket session writes the status's),
so those come from its latest status's server block when the record lacks them."""

from __future__ import annotations

from typing import Any

from meridian_kit.errors import Unavailable
from redis.exceptions import RedisError

from ingest.agent.channels import process_summary, processes_of, server_info
from ingest.agent.store import AgentStore
from ingest.buckets.store import BucketStore

RECORDED = (
    "machine_name",
    "hostname",
    "pm2_version",
    "agent_version",
    "first_seen",
    "last_seen",
    "connected_at",
)
# What a status's server block says of the server, for a record that lacks it.
FROM_STATUS = {
    "hostname": "hostname",
    "pm2_version": "pm2_version",
    "agent_version": "pm2_agent_version",
}


class ServerService:
    """Lists a bucket's servers, online or not."""

    def __init__(self, store: BucketStore, agents: AgentStore):
        self.store = store
        self.agents = agents

    async def list(
        self, bucket_id: str, *, with_processes: bool, offset: int = 0, limit: int = 1000
    ) -> list[dict[str, Any]]:
        """A page of the servers seen in the bucket; online means an instance holds its websocket
        now. Without Redis nobody knows who is online: 503, never every server offline."""
        servers = await self.store.list_servers(bucket_id, offset, limit)
        if not servers:
            return []
        names = [s["machine_name"] for s in servers]
        statuses: list[dict[str, Any] | None] = [None] * len(names)
        try:
            presence = await self.agents.presence(bucket_id, names)
            if with_processes:
                statuses = await self.agents.latest_statuses(bucket_id, names)
        except RedisError as exc:
            raise Unavailable(
                f"redis unavailable: servers' presence unknown ({type(exc).__name__})",
                retry_after=5,
            ) from exc
        return [
            server_item(server, present, latest, with_processes=with_processes)
            for server, present, latest in zip(servers, presence, statuses, strict=True)
        ]


def server_item(
    server: dict[str, Any], present: Any, latest: dict[str, Any] | None, *, with_processes: bool
) -> dict[str, Any]:
    """One server as listed: its record, `online`, and its latest processes when asked."""
    item = {k: server.get(k) for k in RECORDED}
    item["online"] = bool(present)
    if with_processes:
        info = server_info(latest["status"]) if latest else {}
        for field, key in FROM_STATUS.items():
            if not item.get(field) and isinstance(info.get(key), str):
                item[field] = info[key][:256]
        item["status_at"] = latest["received_at"] if latest else None
        item["processes"] = (
            [process_summary(p) for p in processes_of(latest["status"])] if latest else []
        )
    return item
