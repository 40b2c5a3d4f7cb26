"""Deleting a bucket with everything kept for it, in each engine: its daily indices, its Redis
keys, its alert rules, then the bucket and its servers."""

from __future__ import annotations

import logging

from elastic_transport import TransportError
from elasticsearch import ApiError
from meridian_kit.errors import Unavailable

from ingest.agent.store import AgentStore
from ingest.alerts.service import RuleService
from ingest.buckets.service import BucketService
from ingest.storage.indices import IndexManager

log = logging.getLogger("ingest.buckets")


class BucketRemoval:
    """Deletes a bucket so that a failure leaves it in place, to be deleted again."""

    def __init__(
        self,
        *,
        buckets: BucketService,
        rules: RuleService,
        indices: IndexManager,
        agents: AgentStore,
    ):
        self.buckets = buckets
        self.rules = rules
        self.indices = indices
        self.agents = agents

    async def delete(self, bucket_id: str) -> None:
        """Deletes a bucket, its indices, Redis keys, rules and servers (404 when unknown).

        Each step before the last leaves the bucket in MongoDB when it fails (503), so deleting it
        again finishes the work. A status an agent still connected sends between the Redis step and
        the last one is kept until its 7-day expiry."""
        await self.buckets.get(bucket_id)
        try:
            deleted = await self.indices.delete_bucket(bucket_id)
        except (ApiError, TransportError) as exc:
            raise Unavailable(
                f"elasticsearch unavailable: {type(exc).__name__}", retry_after=10
            ) from exc
        forgotten = await self.agents.forget_bucket(bucket_id)
        await self.rules.delete_bucket(bucket_id)
        await self.buckets.delete(bucket_id)
        log.info(
            "bucket %s deleted with %d indices and %d redis keys",
            bucket_id,
            len(deleted),
            forgotten,
        )
