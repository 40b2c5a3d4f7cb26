"""Buckets and their keys: creation, rotation, and authenticating agents and clients.

The key lookup on every push and connection is cached per instance, and the cache is shared-state
safe: every bucket change bumps a version counter in Redis after it is written, and a lookup reads
the counter before anything else, so a bucket changed through any instance is seen by every
instance on its next lookup (one Redis GET instead of a MongoDB query).
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import AsyncIterator
from typing import Any

from meridian_kit.errors import BadRequest, NotFound

from ingest.buckets.schemas import BucketCreate, BucketUpdate, UserCreate, UserUpdate
from ingest.buckets.store import BucketStore, Doc, now
from ingest.versions import CacheVersions

# A cached bucket is also dropped after this long: the bound on staleness should a change's
# version bump itself be lost (Redis down right after MongoDB took the change).
CACHE_SECONDS = 60.0
CACHE_ENTRIES = 10_000


def new_keys() -> dict[str, str]:
    """A fresh public key (identifies the bucket) and secret key (proves it)."""
    return {"public_key": secrets.token_hex(8), "secret_key": secrets.token_hex(16)}


class BucketService:
    """Bucket and user management plus key checks, with a versioned cache for the hot path."""

    def __init__(self, store: BucketStore, versions: CacheVersions):
        self.store = store
        self.versions = versions
        # public key -> (when fetched, the version it was fetched at, the bucket or None)
        self._by_public: dict[str, tuple[float, bytes | None, Doc | None]] = {}

    @contextlib.asynccontextmanager
    async def _changing(self) -> AsyncIterator[None]:
        """Bumps the buckets' version once a change was written (or may have been)."""
        try:
            yield
        finally:
            self._by_public.clear()
            await self.versions.buckets_changed()

    async def create(self, data: BucketCreate) -> Doc:
        """Creates a bucket with random keys."""
        moment = now()
        doc: dict[str, Any] = {
            **data.model_dump(),
            **new_keys(),
            "created_at": moment,
            "updated_at": moment,
        }
        async with self._changing():  # an unknown public key may be cached as None
            return await self.store.insert_bucket(doc)

    async def update(self, bucket_id: str, data: BucketUpdate) -> Doc:
        """Changes a bucket; rotating keys locks out agents using the old ones."""
        changes = data.model_dump(exclude_unset=True, exclude={"rotate_keys"})
        changes = {k: v for k, v in changes.items() if v is not None}
        if data.rotate_keys:
            changes.update(new_keys())
        changes["updated_at"] = now()
        async with self._changing():
            return await self.store.update_bucket(bucket_id, changes)

    async def delete(self, bucket_id: str) -> None:
        """Deletes a bucket and its servers (buckets/removal.py deletes the rest first)."""
        async with self._changing():
            await self.store.delete_bucket(bucket_id)

    async def page(self, offset: int, limit: int) -> list[Doc]:
        """A page of the buckets, oldest first."""
        return await self.store.list_buckets(offset, limit)

    async def get(self, bucket_id: str) -> Doc:
        """One bucket by id (404 when unknown)."""
        return await self.store.get_bucket(bucket_id)

    async def server_seen(self, bucket_id: str, machine_name: str, fields: Doc) -> bool:
        """Records a server as seen now (an agent's handshake); True when it is new."""
        return await self.store.touch_server(bucket_id, machine_name, fields)

    async def by_public_key(self, public_key: str) -> Doc | None:
        """The bucket for a public key, cached until any instance changes a bucket."""
        version = await self.versions.buckets()  # before reading the bucket
        cached = self._by_public.get(public_key)
        moment = time.monotonic()
        if cached and cached[1] == version and moment - cached[0] < CACHE_SECONDS:
            return cached[2]
        bucket = await self.store.bucket_by_public_key(public_key)
        if len(self._by_public) >= CACHE_ENTRIES:
            self._by_public.clear()
        self._by_public[public_key] = (moment, version, bucket)
        return bucket

    async def users_page(self, offset: int, limit: int) -> list[Doc]:
        """A page of the users, oldest first."""
        return await self.store.list_users(offset, limit)

    async def get_user(self, user_id: str) -> Doc:
        """One user by id (404 when unknown)."""
        return await self.store.get_user(user_id)

    async def delete_user(self, user_id: str) -> None:
        """Deletes a user (404 when unknown)."""
        await self.store.delete_user(user_id)

    async def create_user(self, data: UserCreate) -> Doc:
        """Creates a user attached to existing buckets."""
        await self._check_buckets(data.bucket_ids)
        return await self.store.insert_user({**data.model_dump(), "created_at": now()})

    async def update_user(self, user_id: str, data: UserUpdate) -> Doc:
        """Changes a user's name or buckets."""
        changes = {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None}
        if "bucket_ids" in changes:
            await self._check_buckets(changes["bucket_ids"])
        return await self.store.update_user(user_id, changes)

    async def _check_buckets(self, bucket_ids: list[str]) -> None:
        for bucket_id in bucket_ids:
            try:
                await self.store.get_bucket(bucket_id)
            except NotFound:  # a MongoDB outage stays a 503, not "no bucket"
                raise BadRequest(f"bucket_ids: no bucket {bucket_id!r}") from None
