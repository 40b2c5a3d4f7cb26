"""/api/v1/dashboards: list, create, read, update, delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel, Field

from metrics_api.dashboards import service
from metrics_api.deps import StoreDep

router = APIRouter(prefix="/api/v1/dashboards", tags=["dashboards"])

Name = Annotated[str, Field(min_length=1, max_length=200)]


class DashboardIn(BaseModel):
    """A new dashboard."""

    name: Name
    type: str
    data: dict[str, Any]


class DashboardData(BaseModel):
    """A dashboard's new content."""

    data: dict[str, Any]


@router.get("")
async def list_all(store: StoreDep) -> dict[str, Any]:
    """Every dashboard."""
    return {"dashboards": await service.list_dashboards(store)}


@router.post("", status_code=201)
async def create(body: DashboardIn, store: StoreDep) -> dict[str, Any]:
    """Creates a dashboard; 409 when that type and name exist already."""
    await service.create_dashboard(store, body.type, body.name, body.data)
    return {"success": True}


@router.get("/{type_}")
async def list_of_type(type_: str, store: StoreDep) -> dict[str, Any]:
    """The dashboards of one type (time_series or alert)."""
    return {"dashboards": await service.list_dashboards(store, type_)}


@router.get("/{type_}/{name}")
async def read(type_: str, name: str, store: StoreDep) -> dict[str, Any]:
    """One dashboard."""
    return {"dashboard": await service.get_dashboard(store, type_, name)}


@router.put("/{type_}/{name}")
async def update(
    type_: str, name: str, body: Annotated[DashboardData, Body()], store: StoreDep
) -> dict[str, Any]:
    """Replaces a dashboard's data."""
    await service.update_dashboard(store, type_, name, body.data)
    return {"success": True}


@router.delete("/{type_}/{name}")
async def delete(type_: str, name: str, store: StoreDep) -> dict[str, Any]:
    """Deletes a dashboard."""
    await service.delete_dashboard(store, type_, name)
    return {"success": True}
