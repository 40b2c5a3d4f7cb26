"""Two ingest instances on the same engines: a bucket or an alert rule changed through one is seen by
the other on its very next use, though both cache them (the caches check a version in Redis).
`second_server`: conftest.py."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from ingest.settings import Settings
from ingest.state import State


async def test_rotated_and_deleted_keys_are_refused_by_the_other_instance_at_once(
    admin: httpx.AsyncClient, second_server: Any, bucket: dict[str, Any], keys: Any
) -> None:
    servers = f"/api/buckets/{bucket['id']}/servers"
    async with httpx.AsyncClient(base_url=second_server.state.base_url, timeout=30) as other:
        for _ in range(2):  # the second answer comes from the other instance's cache
            assert (await other.get(servers, headers=keys(bucket))).status_code == 200

        rotated = await admin.patch(
            f"/api/admin/buckets/{bucket['id']}", json={"rotate_keys": True}
        )
        assert rotated.status_code == 200, rotated.text
        old = await other.get(servers, headers=keys(bucket))
        assert old.status_code == 401, old.text
        new = rotated.json()
        assert (await other.get(servers, headers=keys(new))).status_code == 200

        deleted = await admin.delete(f"/api/admin/buckets/{bucket['id']}")
        assert deleted.status_code == 204, deleted.text
        gone = await other.get(servers, headers=keys(new))
        assert gone.status_code == 401, gone.text


async def test_a_rule_changed_through_one_instance_applies_on_the_other_at_once(
    admin: httpx.AsyncClient, second_server: Any, bucket: dict[str, Any]
) -> None:
    other: State = second_server.state.service
    rules = f"/api/admin/buckets/{bucket['id']}/alerts"
    assert await other.alerts.rules_of(bucket["id"]) == []  # cached empty on the other instance

    rule = {"kind": "metric", "metric": "cpu", "op": "above", "threshold": 90, "duration_s": 0}
    created = await admin.post(rules, json=rule)
    assert created.status_code == 201, created.text
    rule_id = created.json()["id"]
    assert [r["threshold"] for r in await other.alerts.rules_of(bucket["id"])] == [90]

    replaced = await admin.put(f"{rules}/{rule_id}", json={**rule, "threshold": 50})
    assert replaced.status_code == 200, replaced.text
    assert [r["threshold"] for r in await other.alerts.rules_of(bucket["id"])] == [50]

    disabled = await admin.put(f"{rules}/{rule_id}", json={**rule, "enabled": False})
    assert disabled.status_code == 200, disabled.text
    assert await other.alerts.rules_of(bucket["id"]) == []

    assert (await admin.delete(f"{rules}/{rule_id}")).status_code == 204
    assert await other.alerts.rules_of(bucket["id"]) == []


async def test_an_unchanged_bucket_is_served_from_the_cache(
    ingest: State, settings: Settings, bucket: dict[str, Any]
) -> None:
    """The cache still spares MongoDB: an unchanged bucket is the cached object itself."""
    first = await ingest.buckets.by_public_key(bucket["public_key"])
    assert first is not None and first["id"] == bucket["id"]
    assert await ingest.buckets.by_public_key(bucket["public_key"]) is first
    await ingest.redis.incr(ingest.keys.buckets_version)  # what any instance's change does
    again = await ingest.buckets.by_public_key(bucket["public_key"])
    assert again is not first and again == first


async def test_concurrent_first_writes_of_a_server_record_it_once(
    ingest: State, bucket: dict[str, Any]
) -> None:
    """An agent reconnecting to another instance while the first still records it: the upserts
    race on the unique (bucket, machine) index, and none of them fails."""
    store = ingest.buckets.store
    machine = "raced-1"
    firsts = await asyncio.gather(
        *(store.touch_server(bucket["id"], machine, {"online": True}) for _ in range(8))
    )
    assert sum(firsts) == 1
    servers = [s for s in await store.list_servers(bucket["id"]) if s["machine_name"] == machine]
    assert len(servers) == 1
