"""Alert rules fire e-mails through the real SMTP sink, once per cooldown. The mails wait in a Redis
Stream until sent: a queued mail outlives the instance that queued it, and one an instance read but
never acknowledged (it died) is claimed and sent by another."""

from __future__ import annotations

import asyncio
import contextlib
import email
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
import pytest
from ingest.alerts.mailer import Mailer, MailQueue, SmtpConfig
from ingest.settings import Settings
from ingest.state import State
from redis.asyncio import Redis

SINK = Path(os.environ.get("SMTP_SINK_DIR", ".local/data/smtp"))


def status(cpu: float, restarts: int) -> dict[str, Any]:
    proc = {"name": "api", "pm_id": 0, "cpu": cpu, "memory": 1, "restart_time": restarts}
    return {"data": {"process": [proc], "server": {}}}


def read_sink(address: str) -> list[Message]:
    """Every mail the sink kept for an address."""
    found = []
    for path in sorted(SINK.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes())
        if address in message.get_all("X-Envelope-To", []):
            found.append(message)
    return found


async def mails_to(address: str, count: int, ingest: State) -> list[Message]:
    """The mails the sink kept for an address, once `count` arrived (or the mailer is idle)."""
    found: list[Message] = []
    for _ in range(300):
        found = await asyncio.to_thread(read_sink, address)
        if len(found) >= count and await ingest.mailer.pending() == 0:
            return found
        await asyncio.sleep(0.1)
    return found


async def test_metric_restart_and_exception_rules_mail_once_per_cooldown(
    admin: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    bucket: dict[str, Any],
    keys: Any,
    ingest: State,
) -> None:
    rules = f"/api/admin/buckets/{bucket['id']}/alerts"
    for rule in (
        {
            "kind": "metric",
            "metric": "cpu",
            "op": "above",
            "threshold": 50,
            "duration_s": 1,
            "cooldown_s": 600,
        },
        {"kind": "restarts", "process": "api"},
        {"kind": "exception"},
    ):
        created = await admin.post(rules, json=rule)
        assert created.status_code == 201, created.text
    invalid = await admin.post(rules, json={"kind": "metric", "metric": "cpu"})
    assert invalid.status_code == 400
    assert "threshold" in invalid.text

    async def push(*frames: dict[str, Any]) -> None:
        response = await anonymous.post(
            "/api/push", headers=keys(bucket, "al-1"), json=list(frames)
        )
        assert response.status_code == 202

    await push({"channel": "status", "payload": status(80, 0)})  # breach starts: not yet 1 s long
    await asyncio.sleep(1.2)
    await push({"channel": "status", "payload": status(85, 0)})  # held 1 s: fires
    await push({"channel": "status", "payload": status(90, 2)})  # cooling down; 2 restarts: fires
    exception = {
        "data": {"message": "kaboom", "stack": "Error: kaboom\n at y"},
        "process": {"name": "api", "pm_id": 0},
    }
    await push({"channel": "process:exception", "payload": exception})
    mails = await mails_to(bucket["alert_emails"][0], 3, ingest)
    subjects = sorted(m["Subject"] for m in mails)
    assert len(subjects) == 3, subjects
    assert "cpu above 50 for 1s (now 85)" in subjects[0]
    assert "exception: kaboom" in subjects[1]
    assert "restarted 2 time(s), 2 in total" in subjects[2]
    assert all(m["From"] == os.environ.get("SMTP_SENDER", m["From"]) for m in mails)
    body = next(m for m in mails if "kaboom" in m["Subject"]).get_payload()
    assert "Error: kaboom" in str(body)

    listed = (await admin.get(rules)).json()
    assert [r["kind"] for r in listed] == ["metric", "restarts", "exception"]
    assert (await admin.delete(f"{rules}/{listed[0]['id']}")).status_code == 204
    assert (await admin.delete(f"{rules}/{listed[0]['id']}")).status_code == 404


@pytest.fixture
async def queue(settings: Settings) -> AsyncIterator[tuple[Redis, MailQueue]]:
    redis = Redis.from_url(settings.redis_url)
    prefix = f"{settings.redis_prefix}:mailq-{uuid.uuid4().hex[:8]}"
    names = MailQueue(f"{prefix}:mail", "mailers", f"{prefix}:mail:dead")
    yield redis, names
    await redis.delete(names.key, names.dead_key)
    await redis.aclose()


def mailer(settings: Settings, redis: Redis, names: MailQueue, consumer: str) -> Mailer:
    host, port = settings.smtp_endpoint
    config = SmtpConfig(host, port, settings.smtp_user, settings.smtp_password, "q@meridian.test")
    return Mailer(config, redis, names, consumer, attempts=2, claim_idle_ms=200)


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 30) -> None:
    """Waits until check() holds (or the time is up; the caller's assertion then says what)."""
    for _ in range(int(within * 10)):
        if await check():
            return
        await asyncio.sleep(0.1)


async def delivered(address: str) -> int:
    async def arrived() -> bool:
        return bool(await asyncio.to_thread(read_sink, address))

    await eventually(arrived)
    return len(await asyncio.to_thread(read_sink, address))


@contextlib.asynccontextmanager
async def running(m: Mailer) -> AsyncIterator[None]:
    task = asyncio.create_task(m.run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_a_queued_mail_is_sent_by_another_instance(
    settings: Settings, queue: tuple[Redis, MailQueue]
) -> None:
    redis, names = queue
    address = f"queued-{uuid.uuid4().hex[:8]}@meridian.test"
    first = mailer(settings, redis, names, "instance-a")
    await first.enqueue(first.compose([address], "queued before a restart", "body"))
    assert await first.pending() == 1  # nothing sends it: instance-a "stopped" here

    second = mailer(settings, redis, names, "instance-b")
    async with running(second):
        assert await delivered(address) == 1

        async def sent() -> bool:
            return await second.pending() == 0

        await eventually(sent, within=5)
    assert await second.pending() == 0
    assert second.sent == 1


async def test_a_mail_read_by_a_dead_instance_is_claimed(
    settings: Settings, queue: tuple[Redis, MailQueue]
) -> None:
    redis, names = queue
    address = f"claimed-{uuid.uuid4().hex[:8]}@meridian.test"
    dead = mailer(settings, redis, names, "instance-dead")
    await dead.enqueue(dead.compose([address], "read, never acknowledged", "body"))
    await dead.queue.ensure_group()
    # read into instance-dead's pending list; it dies before sending
    taken = await dead.queue.read("instance-dead", 10, 1000)
    assert len(taken) == 1

    survivor = mailer(settings, redis, names, "instance-live")
    async with running(survivor):
        assert await delivered(address) == 1
    assert survivor.sent == 1


async def test_a_mail_smtp_refuses_ends_in_the_dead_letter_stream(
    settings: Settings, queue: tuple[Redis, MailQueue]
) -> None:
    redis, names = queue
    m = mailer(settings, redis, names, "instance-x")
    refused = Mailer(
        SmtpConfig("127.0.0.1", 1, "", "", "q@meridian.test"),
        redis,
        names,
        "instance-x",
        attempts=1,
    )
    await m.enqueue(m.compose(["nobody@meridian.test"], "cannot be sent", "body"))

    async def dead_lettered() -> bool:
        return await redis.xlen(names.dead_key) == 1

    async with running(refused):
        await eventually(dead_lettered, within=10)
    assert await redis.xlen(names.dead_key) == 1
    assert await refused.pending() == 0
    assert refused.failed == 1
