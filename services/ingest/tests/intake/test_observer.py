"""Alert rules and forwarding run after the durable accept, from the observer's stream: a batch
with a status or an exception enters it in the same step as the intake, a batch of logs does not,
and the observer queues each status's points once, stamped with the time the batch was received."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from ingest.forwarder.forwarder import Forwarder, iso
from ingest.intake.observer import Observer
from ingest.intake.pipeline import FrameIntake
from ingest.intake.stream import IntakeStream, decode
from ingest.state import State
from ingest.stream_queue import StreamQueue


def status(cpu: float) -> dict[str, Any]:
    proc = {"name": "api", "pm_id": 0, "cpu": cpu, "memory": 10, "axm_monitor": {"rps": 4}}
    return {"data": {"process": [proc, "not a process"], "server": {}}}


async def test_statuses_are_observed_once_after_the_accept(ingest: State) -> None:
    prefix = f"{ingest.keys.prefix}:observer-{uuid.uuid4().hex[:8]}"
    stream = IntakeStream(
        ingest.redis, f"{prefix}:intake", "bulk-writers", 1000, f"{prefix}:dead", f"{prefix}:obs"
    )
    intake = FrameIntake(stream=stream, redis=ingest.redis, keys=ingest.keys)
    bucket = {"id": f"b-{uuid.uuid4().hex[:8]}", "name": "shop", "alert_emails": []}
    try:
        await intake.accept(bucket, "web-1", [("logs", {"data": "line"})])
        await intake.accept(bucket, "web-1", [("logs", {"data": "x"}), ("status", status(7))])
        await intake.accept(bucket, "web-1", [("status", status(9))])
        assert await ingest.redis.xlen(f"{prefix}:intake") == 3
        assert await ingest.redis.xlen(f"{prefix}:obs") == 2  # the logs-only batch is not observed

        queue = StreamQueue(ingest.redis, f"{prefix}:obs", "observers")
        await queue.ensure_group()
        items = await queue.read("test", 10, 1000)
        received = [decode(entry_id, fields).received_ms for entry_id, fields in items]
        forwarder = Forwarder(
            redis=ingest.redis,
            key=f"{prefix}:forward",
            group="forwarders",
            consumer="test",
            url="http://127.0.0.1:9",
            table="raw_gauge",
            batch=100,
        )
        observer = Observer(queue=queue, consumer="test", alerts=ingest.alerts, forwarder=forwarder)
        await observer._handle(items)

        assert await ingest.redis.xlen(f"{prefix}:obs") == 0  # acknowledged and removed
        queued = await ingest.redis.xrange(f"{prefix}:forward")
        assert len(queued) == 1  # one forwarder entry for the whole batch of entries
        points = orjson.loads(queued[0][1][b"p"])
        assert [(p["metric_name"], p["value"], p["metric_timestamp"]) for p in points] == [
            ("cpu", 7.0, iso(received[0])),
            ("memory", 10.0, iso(received[0])),
            ("rps", 4.0, iso(received[0])),
            ("cpu", 9.0, iso(received[1])),
            ("memory", 10.0, iso(received[1])),
            ("rps", 4.0, iso(received[1])),
        ]
    finally:
        await ingest.redis.delete(
            f"{prefix}:intake",
            f"{prefix}:obs",
            f"{prefix}:forward",
            ingest.keys.status(bucket["id"], "web-1"),
        )


async def test_latest_status_kept_with_the_batch_either_way(ingest: State) -> None:
    """A batch of one status is kept as the server's latest as it is (not encoded twice), a larger
    batch's last status on its own: both read back as `{received_at, status}`."""
    prefix = f"{ingest.keys.prefix}:latest-{uuid.uuid4().hex[:8]}"
    stream = IntakeStream(
        ingest.redis, f"{prefix}:intake", "bulk-writers", 1000, f"{prefix}:dead", f"{prefix}:obs"
    )
    intake = FrameIntake(stream=stream, redis=ingest.redis, keys=ingest.keys)
    bucket = {"id": f"b-{uuid.uuid4().hex[:8]}", "name": "shop", "alert_emails": []}
    try:
        await intake.accept(bucket, "one", [("status", status(3))])
        await intake.accept(bucket, "two", [("status", status(4)), ("logs", {"data": "x"})])
        await intake.accept(bucket, "two", [("status", status(5)), ("status", status(6))])
        items = await ingest.redis.xrange(f"{prefix}:intake")
        received = [decode(entry_id, fields).received_ms for entry_id, fields in items]
        latest = await ingest.agents.latest_statuses(bucket["id"], ["one", "two", "three"])
        assert latest == [
            {"received_at": received[0], "status": status(3)},
            {"received_at": received[2], "status": status(6)},
            None,
        ]
        procs = await ingest.agents.latest_processes(bucket["id"], "one")
        assert [p["cpu"] for p in procs] == [3]
    finally:
        await ingest.redis.delete(
            f"{prefix}:intake",
            f"{prefix}:obs",
            ingest.keys.status(bucket["id"], "one"),
            ingest.keys.status(bucket["id"], "two"),
        )
