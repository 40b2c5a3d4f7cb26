"""Commands to a connected server: process actions and PM2 actions, answered by the agent."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Path
from meridian_kit.errors import NotFound, error_responses
from pydantic import BaseModel, Field, model_validator

from ingest.agent.channels import processes_of
from ingest.agent.commands import DISCONNECT
from ingest.auth import BucketDep
from ingest.context import Ingest, IngestDep

# 404: unknown bucket (admin) or process/action; 409: the server is not connected; 504: the agent
# did not answer in time (`detail` holds what came).
router = APIRouter(
    prefix="/api/buckets/{bucket_id}/servers/{server}",
    tags=["commands"],
    responses=error_responses(400, 401, 403, 404, 409, 503, 504),
)

ProcessId = Annotated[int, Field(ge=0, le=2**31)] | Annotated[str, Field(max_length=64)]
Server = Annotated[str, Path(max_length=256)]
PM2_METHODS = ("restart", "reload", "reset", "scale", "startLogging", "stopLogging", "ping")


class ActionRequest(BaseModel):
    """A custom action of a process (declared with @pm2/io's action())."""

    action_name: str = Field(min_length=1, max_length=256)
    process_id: ProcessId | None = None
    process: str | None = Field(
        None, max_length=256, description="the process name, when process_id is not given"
    )
    opts: dict[str, Any] | None = None
    scoped: bool = False

    @model_validator(mode="after")
    def _needs_a_process(self) -> ActionRequest:
        if self.process_id is None and not self.process:
            raise ValueError("give `process_id` or `process`")
        return self


class Pm2ActionRequest(BaseModel):
    """A PM2 method on the server (restart, reload, …); `parameters.name` names the app."""

    method_name: Literal[PM2_METHODS]  # type: ignore[valid-type]
    parameters: dict[str, Any] = Field(default_factory=dict)


class CommandResult(BaseModel):
    """The command sent and every answer the agent gave, in order."""

    server: str
    command: dict[str, Any]
    replies: list[dict[str, Any]]


async def latest_processes(ingest: Ingest, bucket_id: str, server: str) -> list[dict[str, Any]]:
    """The processes of a server's latest status."""
    raw = await ingest.redis.get(ingest.keys.status(bucket_id, server))
    return processes_of(orjson.loads(raw)["status"]) if raw else []


@router.post("/actions", response_model=CommandResult)
async def trigger_action(
    bucket_id: str, server: Server, body: ActionRequest, bucket: BucketDep, ingest: IngestDep
) -> dict[str, Any]:
    """Triggers a process's custom action; returns the agent's ack and the action's reply."""
    procs = await latest_processes(ingest, bucket_id, server)
    wanted = str(body.process_id) if body.process_id is not None else None
    proc = next(
        (
            p
            for p in procs
            if (str(p.get("pm_id")) == wanted if wanted else p.get("name") == body.process)
        ),
        None,
    )
    if proc is None and procs:
        raise NotFound(f"no process {body.process_id or body.process!r} on {server!r}")
    if proc is not None:
        declared = [
            a.get("action_name") for a in proc.get("axm_actions") or [] if isinstance(a, dict)
        ]
        if body.action_name not in declared:
            raise NotFound(
                f"process {proc.get('name')!r} declares no action {body.action_name!r}",
                detail={"declared": declared},
            )
    payload: dict[str, Any] = {
        "action_name": body.action_name,
        "process_id": proc.get("pm_id") if proc is not None else body.process_id,
    }
    if proc is not None:
        payload["app_name"] = proc.get("name")
    if body.opts is not None:
        payload["opts"] = body.opts
    channel = "trigger:action"
    if body.scoped:
        channel, payload["uuid"] = "trigger:scoped_action", uuid.uuid4().hex
    return await ingest.commands.request(
        bucket=bucket_id, server=server, channel=channel, payload=payload
    )


@router.post("/pm2", response_model=CommandResult)
async def trigger_pm2_action(
    bucket_id: str, server: Server, body: Pm2ActionRequest, bucket: BucketDep, ingest: IngestDep
) -> dict[str, Any]:
    """Runs a PM2 method (restart, reload, …) on the server; returns trigger:pm2:result."""
    payload = {"method_name": body.method_name, "parameters": body.parameters}
    return await ingest.commands.request(
        bucket=bucket_id, server=server, channel="trigger:pm2:action", payload=payload
    )


@router.post("/disconnect", response_model=CommandResult)
async def disconnect_agent(
    bucket_id: str, server: Server, bucket: BucketDep, ingest: IngestDep
) -> dict[str, Any]:
    """Closes the server's websocket (1012); an unmodified agent reconnects by itself."""
    return await ingest.commands.request(
        bucket=bucket_id, server=server, channel=DISCONNECT, payload={}
    )
