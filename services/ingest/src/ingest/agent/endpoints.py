"""Commands to a connected server: process actions and PM2 actions, answered by the agent."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from meridian_kit.errors import error_responses

from ingest.agent.schemas import ActionRequest, CommandResult, Pm2ActionRequest
from ingest.deps import ActionsDep, BucketDep

# 404: unknown bucket (admin) or process/action; 409: the server is not connected; 504: the agent
# did not answer in time (`detail` holds what came).
router = APIRouter(
    prefix="/api/buckets/{bucket_id}/servers/{server}",
    tags=["commands"],
    responses=error_responses(400, 401, 403, 404, 409, 503, 504),
)

Server = Annotated[str, Path(max_length=256)]


@router.post("/actions", response_model=CommandResult)
async def trigger_action(
    bucket_id: str, server: Server, body: ActionRequest, bucket: BucketDep, actions: ActionsDep
) -> dict[str, Any]:
    """Triggers a process's custom action; returns the agent's ack and the action's reply."""
    return await actions.trigger_action(bucket_id, server, body)


@router.post("/pm2", response_model=CommandResult)
async def trigger_pm2_action(
    bucket_id: str, server: Server, body: Pm2ActionRequest, bucket: BucketDep, actions: ActionsDep
) -> dict[str, Any]:
    """Runs a PM2 method (restart, reload, …) on the server; returns trigger:pm2:result."""
    return await actions.pm2(bucket_id, server, body)


@router.post("/disconnect", response_model=CommandResult)
async def disconnect_agent(
    bucket_id: str, server: Server, bucket: BucketDep, actions: ActionsDep
) -> dict[str, Any]:
    """Closes the server's websocket (1012); an unmodified agent reconnects by itself."""
    return await actions.disconnect(bucket_id, server)
