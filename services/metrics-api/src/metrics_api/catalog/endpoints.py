"""The catalog endpoints, with the original's paths and shapes (read token)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from meridian_kit.errors import error_responses

from metrics_api.catalog.schemas import ApplicationsOut, AppMetricsOut, EnvironmentsOut, MetricsOut
from metrics_api.catalog.service import list_applications, list_environments, list_metrics
from metrics_api.catalog.tables_param import TablesQuery, listed_tables
from metrics_api.deps import READ, CatalogDep

router = APIRouter(
    prefix="/api/v1",
    tags=["catalog"],
    dependencies=READ,
    responses=error_responses(400, 401, 403, 404, 503),
)

Env = Annotated[str, Path(min_length=1)]
App = Annotated[str, Path(min_length=1)]


@router.get("/metrics", response_model=MetricsOut, response_model_exclude_unset=True)
async def metrics(catalog: CatalogDep, tables: TablesQuery = None) -> dict[str, Any]:
    """Every metric with its table and last_timestamp (of the original's tables unless `tables`)."""
    return {"data": {"metrics": await list_metrics(catalog, listed_tables(tables))}}


@router.get("/environments/", response_model=EnvironmentsOut)
async def environments(catalog: CatalogDep) -> dict[str, Any]:
    """Every environment."""
    return {"data": {"environments": await list_environments(catalog)}}


@router.get("/environments/{env}/applications", response_model=ApplicationsOut)
async def applications(env: Env, catalog: CatalogDep) -> dict[str, Any]:
    """The applications of an environment."""
    return {"data": {"environment": env, "applications": await list_applications(catalog, env)}}


@router.get(
    "/environments/{env}/applications/{app}/metrics",
    response_model=AppMetricsOut,
    response_model_exclude_unset=True,
)
async def metrics_of(
    env: Env, app: App, catalog: CatalogDep, tables: TablesQuery = None
) -> dict[str, Any]:
    """The metrics of an application, each with its table and last_timestamp (as /metrics)."""
    entries = await list_metrics(catalog, listed_tables(tables), env, app)
    for entry in entries:
        del entry["environment"], entry["application"]
    return {"data": {"environment": env, "application": app, "metrics": entries}}
