"""Two ingest processes behind a private gateway (issue 15 §2): commands reach an agent whichever
instance they are asked through, the live stream shows agents of both, a rule changed through one
instance applies on the other at once, and an alert seen by both mails once.

Runs only with MERIDIAN_INSTANCE_TESTS=1 (`make test-instances`); private_ingest.py says what is
started and how it is kept apart from the running suite.
"""

from __future__ import annotations

import asyncio
import email
import os
import time
import uuid
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from tests.instances.pm2_agent import Pm2Agent
from tests.instances.private_ingest import PrivateIngest, bucket_keys

pytestmark = pytest.mark.skipif(
    os.environ.get("MERIDIAN_INSTANCE_TESTS") != "1",
    reason="starts private ingest instances: `make test-instances` (MERIDIAN_INSTANCE_TESTS=1)",
)

SINK = Path(os.environ.get("SMTP_SINK_DIR", ".local/data/smtp"))
DEADLINE = 90.0
SERVER = "r2i-mail-1"


@pytest.fixture(scope="module")
def private(tmp_path_factory: pytest.TempPathFactory, tls_dir: Path) -> Iterator[PrivateIngest]:
    suite = PrivateIngest(tmp_path_factory.mktemp("two-ingest"), tls_dir)
    try:
        suite.start()
        yield suite
    finally:
        suite.stop()


async def eventually(check: Any, what: str, within: float = DEADLINE) -> Any:
    """Polls an async check until it returns something truthy."""
    deadline = time.monotonic() + within
    last = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(0.2)
    raise AssertionError(f"{what}: not within {within:g} s (last: {last!r})")


async def test_an_agent_on_one_instance_gets_an_action_and_a_restart_asked_through_the_other(
    private: PrivateIngest,
) -> None:
    bucket = private.bucket(f"r2i-cmd-{uuid.uuid4().hex[:6]}")
    machine = "r2i-cmd-1"
    agent = Pm2Agent(bucket, machine)
    await agent.link(private.gateway, private.tls())  # verifyPM2 and websocket through nginx
    redis = private.redis()
    try:
        presence = f"{private.redis_prefix}:agent:{bucket['id']}:{machine}"
        latest = f"{private.redis_prefix}:status:{bucket['id']}:{machine}"

        async def connected() -> bytes | None:
            return await redis.get(presence) if await redis.exists(latest) else None

        owner = private.owner((await eventually(connected, "the agent's presence")).decode())
        other = private.direct(1 - owner)
        base = f"/api/buckets/{bucket['id']}/servers/{machine}"
        async with httpx.AsyncClient(
            base_url=other, headers=bucket_keys(bucket), timeout=60
        ) as api:
            action = await api.post(
                f"{base}/actions", json={"process": "app-0", "action_name": "km:heapdump"}
            )
            assert action.status_code == 200, action.text
            replies = action.json()["replies"]
            assert [r["channel"] for r in replies] == ["trigger:action:success", "axm:reply"]
            assert replies[1]["payload"]["data"]["return"] == {"machine": machine}

            restart = await api.post(
                f"{base}/pm2", json={"method_name": "restart", "parameters": {"name": "app-1"}}
            )
            assert restart.status_code == 200, restart.text
            result = restart.json()["replies"][-1]
            assert result["channel"] == "trigger:pm2:result"
            assert result["payload"]["meta"] == {"method_name": "restart", "app_name": "app-1"}
        assert [c["channel"] for c in agent.commands] == ["trigger:action", "trigger:pm2:action"]

        async def restarted() -> bool:  # the agent's next status, read through the gateway
            async with httpx.AsyncClient(verify=private.tls(), timeout=30) as client:
                answer = await client.get(
                    f"{private.gateway}/api/buckets/{bucket['id']}/servers",
                    headers=bucket_keys(bucket),
                )
            procs = {p["name"]: p for s in answer.json() for p in s["processes"]}
            return procs.get("app-1", {}).get("restart_time") == 1

        await eventually(restarted, "restart_time 1 on app-1")
    finally:
        await agent.close()
        await redis.aclose()


async def test_the_live_stream_through_the_gateway_shows_agents_of_both_instances(
    private: PrivateIngest,
) -> None:
    bucket = private.bucket(f"r2i-live-{uuid.uuid4().hex[:6]}")
    agents = [Pm2Agent(bucket, f"r2i-live-{k}") for k in (0, 1)]
    for k, agent in enumerate(agents):  # one agent on each instance's own port
        await agent.connect(private.direct(k).replace("http", "ws", 1) + "/interaction")
    seen: set[str] = set()
    url = f"{private.gateway}/api/buckets/{bucket['id']}/live?types=status"
    try:
        async with (
            httpx.AsyncClient(verify=private.tls(), timeout=60) as client,
            client.stream("GET", url, headers=bucket_keys(bucket)) as live,
        ):
            assert live.status_code == 200
            async with asyncio.timeout(DEADLINE):
                async for line in live.aiter_lines():
                    if line.startswith("data: "):
                        event = orjson.loads(line[6:])
                        assert event["type"] == "status"
                        seen.add(event["server"])
                        if seen == {"r2i-live-0", "r2i-live-1"}:
                            break
    finally:
        for agent in agents:
            await agent.close()
    assert seen == {"r2i-live-0", "r2i-live-1"}


def mails_to(address: str) -> list[Message]:
    """Every mail the suite's SMTP sink kept for an address."""
    found = []
    for path in sorted(SINK.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes())
        if address in message.get_all("X-Envelope-To", []):
            found.append(message)
    return found


def forget_mails(address: str) -> None:
    """Removes this test's mails from the sink."""
    for path in SINK.glob("*.eml"):
        if address in path.read_text(errors="replace"):
            path.unlink()


async def push(private: PrivateIngest, k: int, bucket: dict[str, Any], process: str) -> None:
    """One status of one process at 60 % CPU, pushed over HTTP to instance k's own port."""
    proc = {"name": process, "pm_id": 0, "cpu": 60, "memory": 1, "restart_time": 0}
    frames = [{"channel": "status", "payload": {"data": {"process": [proc], "server": {}}}}]
    async with httpx.AsyncClient(timeout=30) as client:
        answer = await client.post(
            f"{private.direct(k)}/api/push",
            json=frames,
            headers=bucket_keys(bucket, SERVER),
        )
    assert answer.status_code == 202, answer.text


async def observed_by_one(private: PrivateIngest, bucket: dict[str, Any], rule_id: str) -> bool:
    """Pushes a status to instance 1 while instance 0 is paused (SIGSTOP), so only instance 1 can
    observe it (an entry handed to the paused one is claimed by instance 1 after 3 s); returns
    whether the rule fired (its cooldown key is set)."""
    cooldown = f"{private.redis_prefix}:alert:cooldown:{rule_id}:{SERVER}:api"
    redis = private.redis()
    with private.paused(0):
        await push(private, 1, bucket, "api")
        await private.idle(streams=("intake:observe",))
        fired = bool(await redis.exists(cooldown))
    await redis.aclose()
    return fired


async def test_a_rule_changed_through_one_instance_applies_on_the_other_and_mails_once(
    private: PrivateIngest,
) -> None:
    address = f"r2i-{uuid.uuid4().hex[:10]}@example.test"
    bucket = private.bucket(f"r2i-mail-{uuid.uuid4().hex[:6]}", [address])
    rules = f"/api/admin/buckets/{bucket['id']}/alerts"
    rule = {"kind": "metric", "metric": "cpu", "op": "above", "threshold": 90, "duration_s": 0}
    rule["cooldown_s"] = 600
    async with httpx.AsyncClient(headers=private.admin_headers(), timeout=30) as admin:
        created = await admin.post(f"{private.direct(0)}{rules}", json=rule)
        assert created.status_code == 201, created.text
        rule_id = created.json()["id"]
        # Instance 1 reads (and caches) the rule at 90 %: 60 % fires nothing.
        assert not await observed_by_one(private, bucket, rule_id)

        lowered = await admin.put(
            f"{private.direct(0)}{rules}/{rule_id}", json={**rule, "threshold": 50}
        )
        assert lowered.status_code == 200, lowered.text
        # Lowered through instance 0: instance 1 judges its very next status by 50 %.
        assert await observed_by_one(private, bucket, rule_id)

    # More of the same through both instances: still the one mail (the cooldown is shared).
    for k in (0, 1, 0, 1):
        await push(private, k, bucket, "api")

    async def mailed() -> list[Message]:
        return await asyncio.to_thread(mails_to, address)

    await eventually(mailed, "the alert's mail")
    await private.idle()
    subjects = [str(m["Subject"]) for m in await asyncio.to_thread(mails_to, address)]
    assert len(subjects) == 1, subjects
    assert f": api on {SERVER}: cpu above 50" in subjects[0]
    await asyncio.to_thread(forget_mails, address)
