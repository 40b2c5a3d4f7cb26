"""Alert rules in MongoDB."""

from __future__ import annotations

from meridian_kit.errors import NotFound
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from ingest.alerts.schemas import RuleCreate
from ingest.buckets.store import Doc, now, object_id, with_id


class RuleStore:
    """The alert_rules collection."""

    def __init__(self, db: AsyncDatabase):
        self.rules = db["alert_rules"]

    async def ensure_indexes(self) -> None:
        """Rules are read per bucket."""
        await self.rules.create_index([("bucket_id", ASCENDING)])

    async def create(self, bucket_id: str, data: RuleCreate) -> Doc:
        """Stores a rule for a bucket."""
        doc = {**data.model_dump(), "bucket_id": bucket_id, "created_at": now()}
        result = await self.rules.insert_one(doc)
        doc["_id"] = result.inserted_id
        return with_id(doc)

    async def list(self, bucket_id: str) -> list[Doc]:
        """A bucket's rules."""
        cursor = self.rules.find({"bucket_id": bucket_id}).sort("created_at", ASCENDING)
        return [with_id(d) async for d in cursor]

    async def replace(self, bucket_id: str, rule_id: str, data: RuleCreate) -> Doc:
        """Replaces a rule's definition."""
        result = await self.rules.update_one(
            {"_id": object_id(rule_id, "rule"), "bucket_id": bucket_id}, {"$set": data.model_dump()}
        )
        if result.matched_count == 0:
            raise NotFound(f"rule {rule_id!r} not found")
        doc = await self.rules.find_one({"_id": object_id(rule_id, "rule")})
        return with_id(doc or {})

    async def delete(self, bucket_id: str, rule_id: str) -> None:
        """Deletes a rule."""
        result = await self.rules.delete_one(
            {"_id": object_id(rule_id, "rule"), "bucket_id": bucket_id}
        )
        if result.deleted_count == 0:
            raise NotFound(f"rule {rule_id!r} not found")

    async def delete_bucket(self, bucket_id: str) -> None:
        """Deletes every rule of a bucket."""
        await self.rules.delete_many({"bucket_id": bucket_id})
