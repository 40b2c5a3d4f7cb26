"""Commands an operator sends to a connected server: a process's custom action (checked against
what its latest status declares), a PM2 method, a disconnect; routed by agent/commands.py."""

from __future__ import annotations

import uuid
from typing import Any

from meridian_kit.errors import NotFound

from ingest.agent.commands import DISCONNECT, CommandRouter
from ingest.agent.schemas import ActionRequest, Pm2ActionRequest
from ingest.agent.store import AgentStore


def find_process(procs: list[dict[str, Any]], body: ActionRequest) -> dict[str, Any] | None:
    """The process an action names, by pm_id or by name, among a status's processes."""
    wanted = str(body.process_id) if body.process_id is not None else None
    for proc in procs:
        if str(proc.get("pm_id")) == wanted if wanted else proc.get("name") == body.process:
            return proc
    return None


def check_declared(proc: dict[str, Any], action_name: str) -> None:
    """404 unless the process declares the action."""
    declared = [a.get("action_name") for a in proc.get("axm_actions") or [] if isinstance(a, dict)]
    if action_name not in declared:
        raise NotFound(
            f"process {proc.get('name')!r} declares no action {action_name!r}",
            detail={"declared": declared},
        )


def action_payload(proc: dict[str, Any] | None, body: ActionRequest) -> tuple[str, dict[str, Any]]:
    """The channel and payload of `trigger:action` (or `trigger:scoped_action`) for the agent."""
    payload: dict[str, Any] = {
        "action_name": body.action_name,
        "process_id": proc.get("pm_id") if proc is not None else body.process_id,
    }
    if proc is not None:
        payload["app_name"] = proc.get("name")
    if body.opts is not None:
        payload["opts"] = body.opts
    if body.scoped:
        payload["uuid"] = uuid.uuid4().hex
        return "trigger:scoped_action", payload
    return "trigger:action", payload


class CommandService:
    """Sends commands to a bucket's servers wherever they are connected."""

    def __init__(self, *, agents: AgentStore, commands: CommandRouter):
        self.agents = agents
        self.commands = commands

    async def trigger_action(
        self, bucket_id: str, server: str, body: ActionRequest
    ) -> dict[str, Any]:
        """A process's custom action: the agent's ack and the action's reply (404 when the server's
        latest status shows no such process or action)."""
        procs = await self.agents.latest_processes(bucket_id, server)
        proc = find_process(procs, body)
        if proc is None and procs:
            raise NotFound(f"no process {body.process_id or body.process!r} on {server!r}")
        if proc is not None:
            check_declared(proc, body.action_name)
        channel, payload = action_payload(proc, body)
        return await self.commands.request(
            bucket=bucket_id, server=server, channel=channel, payload=payload
        )

    async def pm2(self, bucket_id: str, server: str, body: Pm2ActionRequest) -> dict[str, Any]:
        """A PM2 method on the server: its `trigger:pm2:result`."""
        payload = {"method_name": body.method_name, "parameters": body.parameters}
        return await self.commands.request(
            bucket=bucket_id, server=server, channel="trigger:pm2:action", payload=payload
        )

    async def disconnect(self, bucket_id: str, server: str) -> dict[str, Any]:
        """Closes the server's websocket (1012); an unmodified agent reconnects by itself."""
        return await self.commands.request(
            bucket=bucket_id, server=server, channel=DISCONNECT, payload={}
        )
