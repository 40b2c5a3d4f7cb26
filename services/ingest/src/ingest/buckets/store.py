"""Buckets, users and servers in MongoDB (works on FerretDB too: plain CRUD and unique indexes)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId
from meridian_kit.errors import Conflict, NotFound
from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

Doc = dict[str, Any]


def now() -> datetime:
    """The current time, as Mongo stores it (UTC, millisecond precision)."""
    moment = datetime.now(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def object_id(value: str, what: str = "bucket") -> ObjectId:
    """Parses an id from a URL; an unknown shape is simply not found."""
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        raise NotFound(f"{what} {value!r} not found") from None


def with_id(doc: Doc) -> Doc:
    """Turns Mongo's _id into the API's id."""
    out = {k: v for k, v in doc.items() if k != "_id"}
    out["id"] = str(doc["_id"])
    for key in ("created_at", "updated_at", "first_seen", "last_seen"):
        if isinstance(out.get(key), datetime) and out[key].tzinfo is None:
            out[key] = out[key].replace(tzinfo=UTC)
    return out


class BucketStore:
    """The buckets, users and servers collections."""

    def __init__(self, db: AsyncDatabase):
        self.db = db
        self.buckets = db["buckets"]
        self.users = db["users"]
        self.servers = db["servers"]

    async def ensure_indexes(self) -> None:
        """Unique public keys, user e-mails and (bucket, machine) pairs."""
        await self.buckets.create_index([("public_key", ASCENDING)], unique=True)
        await self.users.create_index([("email", ASCENDING)], unique=True)
        await self.servers.create_index(
            [("bucket_id", ASCENDING), ("machine_name", ASCENDING)], unique=True
        )

    async def insert_bucket(self, doc: Doc) -> Doc:
        """Stores a new bucket."""
        result = await self.buckets.insert_one(doc)
        doc["_id"] = result.inserted_id
        return with_id(doc)

    async def list_buckets(self, offset: int = 0, limit: int = 0) -> list[Doc]:
        """The buckets, oldest first (`limit` 0: all of them)."""
        cursor = self.buckets.find().sort([("created_at", ASCENDING), ("_id", ASCENDING)])
        return [with_id(d) async for d in cursor.skip(offset).limit(limit)]

    async def get_bucket(self, bucket_id: str) -> Doc:
        """One bucket by id."""
        doc = await self.buckets.find_one({"_id": object_id(bucket_id)})
        if doc is None:
            raise NotFound(f"bucket {bucket_id!r} not found")
        return with_id(doc)

    async def bucket_by_public_key(self, public_key: str) -> Doc | None:
        """The bucket with this public key, if any."""
        doc = await self.buckets.find_one({"public_key": public_key})
        return with_id(doc) if doc else None

    async def update_bucket(self, bucket_id: str, changes: Doc) -> Doc:
        """Applies changes to a bucket."""
        doc = await self.buckets.find_one_and_update(
            {"_id": object_id(bucket_id)},
            {"$set": changes},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            raise NotFound(f"bucket {bucket_id!r} not found")
        return with_id(doc)

    async def delete_bucket(self, bucket_id: str) -> None:
        """Deletes a bucket and its servers."""
        result = await self.buckets.delete_one({"_id": object_id(bucket_id)})
        if result.deleted_count == 0:
            raise NotFound(f"bucket {bucket_id!r} not found")
        await self.servers.delete_many({"bucket_id": bucket_id})

    async def insert_user(self, doc: Doc) -> Doc:
        """Stores a new user; e-mails are unique."""
        try:
            result = await self.users.insert_one(doc)
        except DuplicateKeyError:
            raise Conflict(f"a user with e-mail {doc['email']!r} exists") from None
        doc["_id"] = result.inserted_id
        return with_id(doc)

    async def list_users(self, offset: int = 0, limit: int = 0) -> list[Doc]:
        """The users, oldest first (`limit` 0: all of them)."""
        cursor = self.users.find().sort([("created_at", ASCENDING), ("_id", ASCENDING)])
        return [with_id(d) async for d in cursor.skip(offset).limit(limit)]

    async def get_user(self, user_id: str) -> Doc:
        """One user by id."""
        doc = await self.users.find_one({"_id": object_id(user_id, "user")})
        if doc is None:
            raise NotFound(f"user {user_id!r} not found")
        return with_id(doc)

    async def update_user(self, user_id: str, changes: Doc) -> Doc:
        """Applies changes to a user."""
        doc = await self.users.find_one_and_update(
            {"_id": object_id(user_id, "user")},
            {"$set": changes},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            raise NotFound(f"user {user_id!r} not found")
        return with_id(doc)

    async def delete_user(self, user_id: str) -> None:
        """Deletes a user."""
        result = await self.users.delete_one({"_id": object_id(user_id, "user")})
        if result.deleted_count == 0:
            raise NotFound(f"user {user_id!r} not found")

    async def touch_server(self, bucket_id: str, machine_name: str, fields: Doc) -> bool:
        """Records a server as seen now; True when it was not known before."""
        moment = now()
        on_insert: Doc = {"first_seen": moment}
        if "online" not in fields:
            on_insert["online"] = False
        where = {"bucket_id": bucket_id, "machine_name": machine_name}
        update = {"$set": {**fields, "last_seen": moment}, "$setOnInsert": on_insert}
        try:
            result = await self.servers.update_one(where, update, upsert=True)
        except DuplicateKeyError:
            # Another write (this instance's or another's: an agent reconnecting elsewhere) inserted
            # the server between this upsert's lookup and its insert; now there is one to update.
            result = await self.servers.update_one(where, update, upsert=True)
        return result.upserted_id is not None

    async def list_servers(self, bucket_id: str, offset: int = 0, limit: int = 0) -> list[Doc]:
        """The servers seen in a bucket, by name (`limit` 0: all of them)."""
        cursor = self.servers.find({"bucket_id": bucket_id}).sort("machine_name", ASCENDING)
        return [with_id(d) async for d in cursor.skip(offset).limit(limit)]
