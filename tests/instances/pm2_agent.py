"""A PM2-protocol agent for the two-instance tests, built on bench/ingest_agents.py's simulated
agent (its verifyPM2 and status frames): it sends a full status every half second and answers what
PM2's agent answers to a process action (`trigger:action:success` then `axm:reply`) and to a PM2
method (`trigger:pm2:result`; a restart counts in the process's `restart_time`).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import sys
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect

from tests.instances.private_processes import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "bench"))  # bench/ is not a package
from ingest_agents import verify_pm2
from ingest_push import agent_status

STATUS_EVERY = 0.5


class Pm2Agent:
    """One simulated PM2 machine connected over the websocket; `commands` lists what it received."""

    def __init__(self, bucket: dict[str, Any], machine: str):
        self.bucket = bucket
        self.machine = machine
        self.commands: list[dict[str, Any]] = []
        self.restarts: dict[str, int] = {}
        self.ws: ClientConnection | None = None
        self.tasks: list[asyncio.Task[None]] = []

    def headers(self) -> dict[str, str]:
        return {
            "X-KM-PUBLIC": self.bucket["public_key"],
            "X-KM-SECRET": self.bucket["secret_key"],
            "X-KM-SERVER": self.machine,
            "X-PM2-VERSION": "6.0.14",
            "X-PROTOCOL-VERSION": "1",
        }

    async def link(self, base: str, tls: ssl.SSLContext) -> None:
        """What `pm2 link` does: verifyPM2 at `base`, then the websocket it answers."""
        endpoint = await verify_pm2(base, tls, self.bucket, self.machine)
        await self.connect(endpoint, tls)

    async def connect(self, endpoint: str, tls: ssl.SSLContext | None = None) -> None:
        """Opens the websocket at `endpoint` (ws:// for an instance's own port)."""
        self.ws = await connect(
            endpoint, additional_headers=self.headers(), ssl=tls, open_timeout=60, max_size=None
        )
        self.tasks = [asyncio.create_task(self._answer()), asyncio.create_task(self._report())]

    def status(self, tick: int) -> dict[str, Any]:
        status = agent_status(self.machine, tick)
        for proc in status["data"]["process"]:
            proc["restart_time"] = self.restarts.get(proc["name"], 0)
        return status

    async def send(self, channel: str, payload: Any) -> None:
        assert self.ws is not None
        await self.ws.send(orjson.dumps({"channel": channel, "payload": payload}).decode())

    async def _report(self) -> None:
        tick = 0
        while True:
            await self.send("status", self.status(tick))
            tick += 1
            await asyncio.sleep(STATUS_EVERY)

    async def _answer(self) -> None:
        assert self.ws is not None
        async for message in self.ws:
            frame = orjson.loads(message)
            channel, payload = frame.get("channel"), frame.get("payload") or {}
            if channel == "trigger:action":
                self.commands.append(frame)
                pm_id, action = payload.get("process_id"), payload.get("action_name")
                await self.send("trigger:action:success", {"id": pm_id, "action_name": action})
                reply = {"action_name": action, "return": {"machine": self.machine}}
                await self.send("axm:reply", {"process": {"pm_id": pm_id}, "data": reply})
            elif channel == "trigger:pm2:action" and payload.get("method_name") != "startLogging":
                self.commands.append(frame)
                method = payload.get("method_name")
                app = (payload.get("parameters") or {}).get("name")
                if method == "restart" and app:
                    self.restarts[app] = self.restarts.get(app, 0) + 1
                result = {"ret": {"err": None, "data": self.machine}}
                await self.send(
                    "trigger:pm2:result",
                    {**result, "meta": {"method_name": method, "app_name": app}},
                )

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(BaseException):
                await task
        if self.ws is not None:
            await self.ws.close()
