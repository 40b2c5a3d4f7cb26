"""The catalog endpoints, with the original's paths and shapes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from metrics_api.catalog.service import list_applications, list_environments, list_metrics
from metrics_api.deps import StoreDep

router = APIRouter(prefix="/api/v1", tags=["catalog"])


@router.get("/metrics")
async def metrics(store: StoreDep) -> dict[str, Any]:
    """Every metric with its table and last_timestamp."""
    return {"data": {"metrics": await list_metrics(store)}}


@router.get("/environments/")
async def environments(store: StoreDep) -> dict[str, Any]:
    """Every environment."""
    return {"data": {"environments": await list_environments(store)}}


@router.get("/environments/{env}/applications")
async def applications(env: str, store: StoreDep) -> dict[str, Any]:
    """The applications of an environment."""
    return {"data": {"environment": env, "applications": await list_applications(store, env)}}


@router.get("/environments/{env}/applications/{app}/metrics")
async def metrics_of(env: str, app: str, store: StoreDep) -> dict[str, Any]:
    """The metrics of an application, each with its table and last_timestamp."""
    entries = await list_metrics(store, env, app)
    for entry in entries:
        del entry["environment"], entry["application"]
    return {"data": {"environment": env, "application": app, "metrics": entries}}
