"""Alert rules per bucket: stored in MongoDB, then every instance told to read them again."""

from __future__ import annotations

from ingest.alerts.engine import AlertEngine
from ingest.alerts.schemas import RuleCreate
from ingest.alerts.store import RuleStore
from ingest.buckets.store import BucketStore, Doc


class RuleService:
    """Creates, lists, replaces and deletes a bucket's rules."""

    def __init__(self, *, buckets: BucketStore, rules: RuleStore, alerts: AlertEngine):
        self.buckets = buckets
        self.rules = rules
        self.alerts = alerts

    async def create(self, bucket_id: str, data: RuleCreate) -> Doc:
        """Adds a rule to a bucket (404 for an unknown bucket)."""
        await self.buckets.get_bucket(bucket_id)
        try:
            return await self.rules.create(bucket_id, data)
        finally:  # the write may have happened even when it raised
            await self.alerts.changed(bucket_id)

    async def list(self, bucket_id: str) -> list[Doc]:
        """A bucket's rules (404 for an unknown bucket)."""
        await self.buckets.get_bucket(bucket_id)
        return await self.rules.list(bucket_id)

    async def replace(self, bucket_id: str, rule_id: str, data: RuleCreate) -> Doc:
        """Replaces a rule's definition (404 for an unknown rule)."""
        try:
            return await self.rules.replace(bucket_id, rule_id, data)
        finally:
            await self.alerts.changed(bucket_id)

    async def delete(self, bucket_id: str, rule_id: str) -> None:
        """Deletes a rule (404 for an unknown rule)."""
        try:
            await self.rules.delete(bucket_id, rule_id)
        finally:
            await self.alerts.changed(bucket_id)

    async def delete_bucket(self, bucket_id: str) -> None:
        """Deletes every rule of a bucket being deleted."""
        await self.rules.delete_bucket(bucket_id)
