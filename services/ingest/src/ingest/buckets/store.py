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


def server_id(bucket_id: str, machine_name: str) -> str:
    """A server's `_id`: derived from what names it, so every write finds it by primary key."""
    return f"{bucket_id}/{machine_name}"


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
        """Records a server as seen now; True when it was not known before.

        Written by its `_id` (`<bucket id>/<machine name>`): FerretDB's SQLite backend finds a
        document by `_id` through its primary key but any other filter by reading the whole
        collection, so an upsert by (bucket, machine) cost more with every server (~120 ms each past
        800, under the single SQLite writer lock) and 1,000 agents took ten minutes to connect.
        """
        moment = now()
        on_insert: Doc = {
            "bucket_id": bucket_id,
            "machine_name": machine_name,
            "first_seen": moment,
        }
        if "online" not in fields:
            on_insert["online"] = False
        update = {"$set": {**fields, "last_seen": moment}, "$setOnInsert": on_insert}
        by_id = {"_id": server_id(bucket_id, machine_name)}
        try:
            result = await self.servers.update_one(by_id, update, upsert=True)
            return result.upserted_id is not None
        except DuplicateKeyError:
            # Another write inserted it between this upsert's lookup and its insert (an agent
            # reconnecting to another instance), or the server was recorded under an ObjectId
            # before ids were derived from its name: now there is one to update.
            pass
        result = await self.servers.update_one(by_id, update)
        if result.matched_count:
            return False
        where = {"bucket_id": bucket_id, "machine_name": machine_name}
        await self.servers.update_one(where, update, upsert=True)
        return False

    async def list_servers(self, bucket_id: str, offset: int = 0, limit: int = 0) -> list[Doc]:
        """The servers seen in a bucket, by name (`limit` 0: all of them)."""
        cursor = self.servers.find({"bucket_id": bucket_id}).sort("machine_name", ASCENDING)
        return [with_id(d) async for d in cursor.skip(offset).limit(limit)]
