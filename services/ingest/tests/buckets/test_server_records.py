"""A server's record is written by an `_id` derived from its bucket and machine name (FerretDB's
SQLite backend finds only `_id` by its primary key); records made before, under an ObjectId, are
still updated in place, never doubled."""

from __future__ import annotations

from typing import Any

from bson import ObjectId
from ingest.buckets.store import server_id
from ingest.state import State


async def test_a_new_server_is_recorded_under_its_derived_id_and_updated_there(
    ingest: State, bucket: dict[str, Any]
) -> None:
    store = ingest.buckets.store
    assert await store.touch_server(bucket["id"], "web-7", {"hostname": "h1"}) is True
    assert await store.touch_server(bucket["id"], "web-7", {"hostname": "h2"}) is False
    [record] = [s for s in await store.list_servers(bucket["id"]) if s["machine_name"] == "web-7"]
    assert record["id"] == server_id(bucket["id"], "web-7") == f"{bucket['id']}/web-7"
    assert record["hostname"] == "h2"
    assert record["bucket_id"] == bucket["id"]
    assert record["online"] is False  # not given: a server seen by verifyPM2 is not connected yet
    assert record["first_seen"] <= record["last_seen"]


async def test_a_server_recorded_under_an_object_id_before_is_updated_not_doubled(
    ingest: State, bucket: dict[str, Any]
) -> None:
    store = ingest.buckets.store
    legacy = ObjectId()
    await store.servers.insert_one(
        {"_id": legacy, "bucket_id": bucket["id"], "machine_name": "old-1", "hostname": "before"}
    )
    assert await store.touch_server(bucket["id"], "old-1", {"hostname": "after"}) is False
    records = [s for s in await store.list_servers(bucket["id"]) if s["machine_name"] == "old-1"]
    assert [(r["id"], r["hostname"]) for r in records] == [(str(legacy), "after")]
