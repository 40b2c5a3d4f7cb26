"""/api/v1/dashboards: list and read (read token); create, update, delete (write token). Answers in
the original's shapes: {"success": true}, {"dashboards": [...]}, {"dashboard": {...}}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path
from meridian_kit.errors import BadRequest, error_responses

from metrics_api.dashboards import service
from metrics_api.dashboards.schemas import (
    DashboardData,
    DashboardIn,
    DashboardList,
    OneDashboard,
    Success,
)
from metrics_api.deps import READ, WRITE, DashboardsDep
from metrics_api.paths import TypePath

router = APIRouter(prefix="/api/v1/dashboards", tags=["dashboards"])

NamePath = Annotated[str, Path(min_length=1, max_length=200)]

READ_ERRORS = error_responses(400, 401, 403, 404, 409, 503)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 503)


@router.get("", dependencies=READ, responses=READ_ERRORS)
async def list_all(store: DashboardsDep) -> DashboardList:
    """Every dashboard."""
    return DashboardList.model_validate({"dashboards": await service.list_dashboards(store)})


@router.post("", dependencies=WRITE, responses=WRITE_ERRORS)
async def create(body: DashboardIn, store: DashboardsDep) -> Success:
    """Creates a dashboard; 400 {"success": false, "error"} when that type and name exist already
    or the type is unknown; 400 {"errors": {field: [message]}} for a refused body."""
    await service.create_dashboard(store, body.type, body.name, body.data)
    return Success(success=True)


@router.get("/{type_}", dependencies=READ, responses=READ_ERRORS)
async def list_of_type(type_: TypePath, store: DashboardsDep) -> DashboardList:
    """The dashboards of one type (time_series or alert)."""
    return DashboardList.model_validate({"dashboards": await service.list_dashboards(store, type_)})


@router.get("/{type_}/{name}", dependencies=READ, responses=READ_ERRORS)
async def read(type_: TypePath, name: NamePath, store: DashboardsDep) -> OneDashboard:
    """One dashboard (409 when its stored data cannot be shown: replace or delete it)."""
    return OneDashboard.model_validate(
        {"dashboard": await service.get_dashboard(store, type_, name)}
    )


@router.put("/{type_}/{name}", dependencies=WRITE, responses=WRITE_ERRORS)
async def update(
    type_: TypePath, name: NamePath, body: Annotated[DashboardData, Body()], store: DashboardsDep
) -> Success:
    """Replaces a dashboard's data (any JSON value but null); 404 when there is no such dashboard."""
    if body.data is None:
        raise BadRequest(
            'Request body must contain "data" attribute',
            detail=[{"field": "data", "message": "data is missing or null"}],
        )
    await service.update_dashboard(store, type_, name, body.data)
    return Success(success=True)


@router.delete("/{type_}/{name}", dependencies=WRITE, responses=WRITE_ERRORS)
async def delete(type_: TypePath, name: NamePath, store: DashboardsDep) -> Success:
    """Deletes a dashboard."""
    await service.delete_dashboard(store, type_, name)
    return Success(success=True)
