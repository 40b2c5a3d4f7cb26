"""Acceptance: an unmodified PM2 (npm pm2@6) linked to ingest through the gateway over TLS.

A small app using @pm2/io (a metric, actions, a thrown exception) runs under PM2; its status,
metrics, logs, exception and events appear in the query API, and an action and a restart triggered
through the API reach it. The agent looks up google.com before reconnecting: dns-preload.js
(NODE_OPTIONS=--require) makes that one name resolve, since this machine has no internet.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import ssl
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
APP_NAME = "meridian-app"


def tls() -> ssl.SSLContext:
    """Trusts the gateway's development CA."""
    return ssl.create_default_context(cafile=os.environ["MERIDIAN_CA"])


async def eventually(check: Callable[[], Awaitable[Any]], what: str, within: float = 120) -> Any:
    """Polls until check() returns something truthy; fails naming what never happened."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    last: Any = None
    while loop.time() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(1)
    raise AssertionError(f"{what}: not seen within {within:g}s (last: {last!r})")


class Pm2:
    """The pm2 CLI with its own PM2_HOME."""

    def __init__(self, binary: Path, home: Path, node_url: str):
        self.binary = binary
        self.env = {
            **os.environ,
            "PM2_HOME": str(home),
            "KEYMETRICS_NODE": node_url,
            "NODE_EXTRA_CA_CERTS": os.environ.get("MERIDIAN_CA", ""),
            "NODE_OPTIONS": f"--require {HERE / 'pm2' / 'dns-preload.js'}",
            "PM2_SILENT": "true",
        }

    async def run(self, *args: str) -> str:
        process = await asyncio.create_subprocess_exec(
            str(self.binary),
            *args,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(process.communicate(), 120)
        assert process.returncode == 0, f"pm2 {' '.join(args)}: {out.decode()[-2000:]}"
        return out.decode()


@pytest.fixture
async def bucket(gateway_ingest: str) -> AsyncIterator[dict[str, Any]]:
    token = os.environ["INGEST_ADMIN_TOKEN"]
    async with httpx.AsyncClient(
        base_url=gateway_ingest,
        verify=tls(),
        timeout=30,
        headers={"Authorization": f"Bearer {token}"},
    ) as admin:
        created = await admin.post(
            "/api/admin/buckets", json={"name": f"pm2-{uuid.uuid4().hex[:6]}", "retention_days": 1}
        )
        assert created.status_code == 201, created.text
        yield created.json()
        await admin.delete(f"/api/admin/buckets/{created.json()['id']}")


@pytest.fixture
async def pm2(pm2_bin: Path, gateway_ingest: str) -> AsyncIterator[Pm2]:
    home = Path(tempfile.mkdtemp(prefix="pm2-home-"))
    client = Pm2(pm2_bin, home, gateway_ingest)
    try:
        yield client
    finally:
        with_agent = client.run("kill")
        with contextlib.suppress(Exception):
            await with_agent
        shutil.rmtree(home, ignore_errors=True)


@pytest.mark.timeout(900)
async def test_real_pm2_agent_through_the_gateway(
    pm2: Pm2, bucket: dict[str, Any], gateway_ingest: str
) -> None:
    app_dir = (
        ROOT / ".local" / "pm2" / f"app-{uuid.uuid4().hex[:6]}"
    )  # resolves .local/pm2's @pm2/io
    app_dir.mkdir(parents=True)
    shutil.copy(HERE / "pm2" / "app.js", app_dir / "app.js")
    machine = f"acceptance-{uuid.uuid4().hex[:6]}"
    keys = {"X-KM-PUBLIC": bucket["public_key"], "X-KM-SECRET": bucket["secret_key"]}
    base = f"/api/buckets/{bucket['id']}"
    try:
        await pm2.run("start", str(app_dir / "app.js"), "--name", APP_NAME)
        await pm2.run("link", bucket["secret_key"], bucket["public_key"], machine)
        async with httpx.AsyncClient(
            base_url=gateway_ingest, verify=tls(), headers=keys, timeout=60
        ) as api:
            await scenario(api, base, machine)
    finally:
        shutil.rmtree(app_dir, ignore_errors=True)


# Answers that mean "not yet": an engine's outage (Elasticsearch busy under load answers 503),
# the gateway while the service restarts (502, 504).
TRANSIENT = frozenset({502, 503, 504})


async def get_json(api: httpx.AsyncClient, url: str, **params: Any) -> Any:
    """A query's answer; None while it is transient; any other status fails naming it."""
    response = await api.get(url, params=params)
    if response.status_code in TRANSIENT:
        return None
    assert response.status_code == 200, f"GET {url}: {response.status_code} {response.text[:500]}"
    return response.json()


async def scenario(api: httpx.AsyncClient, base: str, machine: str) -> None:
    async def app_process() -> dict[str, Any] | None:
        servers = await get_json(api, f"{base}/servers")
        for server in servers or []:
            if server["machine_name"] == machine and server["online"]:
                for proc in server["processes"]:
                    if proc["name"] == APP_NAME and "Meridian Counter" in (
                        proc.get("metrics") or {}
                    ):
                        return proc
        return None

    # Status with the app's metric and actions, over the agent's websocket.
    proc = await eventually(app_process, "the app in the server's latest status")
    assert proc["status"] == "online"
    assert {"hello", "boom"} <= set(proc["actions"])
    restarts_before = proc["restart_time"]

    # A custom action through the API: the agent acks, then the app's reply comes back.
    hello = await api.post(
        f"{base}/servers/{machine}/actions", json={"process": APP_NAME, "action_name": "hello"}
    )
    assert hello.status_code == 200, hello.text
    channels = [r["channel"] for r in hello.json()["replies"]]
    assert channels == ["trigger:action:success", "axm:reply"]
    assert hello.json()["replies"][1]["payload"]["data"]["return"]["hi"] == "from the app"

    # Logs (ingest keeps log streaming on with startLogging).
    async def logs() -> int:
        found = await get_json(api, f"{base}/logs", q="meridian tick", process=APP_NAME)
        return found["total"] if found else 0

    await eventually(logs, "the app's log lines in the logs search")

    # The metric's series.
    async def series() -> list[Any]:
        found = await get_json(
            api, f"{base}/metrics/Meridian Counter", interval="10s", process=APP_NAME
        )
        return found["points"] if found else []

    points = await eventually(series, "the Meridian Counter series")
    assert all(p["max"] >= p["avg"] > 0 for p in points)

    # A thrown exception: grouped in the exceptions query, and the crash shows in the events.
    boom = await api.post(
        f"{base}/servers/{machine}/actions", json={"process": APP_NAME, "action_name": "boom"}
    )
    assert boom.status_code == 200, boom.text

    async def exception() -> dict[str, Any] | None:
        groups = ((await get_json(api, f"{base}/exceptions")) or {"groups": []})["groups"]
        return next((g for g in groups if "meridian acceptance boom" in (g["message"] or "")), None)

    group = await eventually(exception, "the thrown exception in the exceptions query")
    assert group["count"] >= 1
    assert APP_NAME in group["processes"]

    # A restart through the API: the agent answers with trigger:pm2:result, restart_time grows.
    restart = await api.post(
        f"{base}/servers/{machine}/pm2",
        json={"method_name": "restart", "parameters": {"name": APP_NAME}},
    )
    assert restart.status_code == 200, restart.text
    result = restart.json()["replies"][-1]
    assert result["channel"] == "trigger:pm2:result"
    assert result["payload"]["meta"]["method_name"] == "restart"

    async def restarted() -> bool:
        current = await app_process()
        return bool(current and current["restart_time"] >= restarts_before + 2)

    await eventually(restarted, "restart_time counting the crash and the restart")

    async def events() -> list[str]:
        found = await get_json(api, f"{base}/events", channel="process:event", size=100)
        seen = [e.get("event") for e in (found or {"items": []})["items"]]
        # PM2 reports each crash and each restart as `exit` then `online`.
        return seen if seen.count("exit") >= 2 and seen.count("online") >= 2 else []

    await eventually(events, "process events (exit, online) in the events timeline")

    # The websocket closed by ingest: the agent looks up google.com (dns-preload.js answers) and
    # reconnects by itself.
    async def connected_at() -> str | None:
        servers = await get_json(api, f"{base}/servers")
        found = [s for s in servers or [] if s["machine_name"] == machine and s["online"]]
        return found[0]["connected_at"] if found else None

    before = await connected_at()
    assert before is not None
    closed = await api.post(f"{base}/servers/{machine}/disconnect")
    assert closed.status_code == 200, closed.text
    assert closed.json()["replies"][0]["payload"] == {"disconnected": True}

    async def reconnected() -> bool:
        now = await connected_at()
        return bool(now and now > before)

    await eventually(reconnected, "the agent's reconnection after its websocket was closed")
