"""metrics-api's app: the Cassandra session and the stores born in the lifespan, the routers, the
dashboard."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from meridian_kit.app import create_service_app
from meridian_kit.operator_tokens import check_public_key_env
from meridian_kit.settings import load_settings
from starlette.types import ASGIApp, Receive, Scope, Send

from metrics_api.access.prometheus import GuardPrometheus
from metrics_api.alerts.endpoints import router as alerts_router
from metrics_api.cassandra_session import CassandraConnection
from metrics_api.catalog.endpoints import router as catalog_router
from metrics_api.dashboards.endpoints import router as dashboards_router
from metrics_api.errors import install_original_errors
from metrics_api.points.endpoints import router as points_router
from metrics_api.schema.ddl import apply_schema
from metrics_api.series.endpoints import router as series_router
from metrics_api.settings import Settings, settings_values
from metrics_api.state import State

log = logging.getLogger(__name__)


class GatewayPrefix:
    """Serves /metrics/api/... as /api/..., as the gateway does by stripping its prefix."""

    def __init__(self, app: ASGIApp, prefix: str):
        self.app, self.prefix = app, prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path.startswith(self.prefix + "/api/"):
            scope = {**scope, "path": path[len(self.prefix) :]}
            scope["raw_path"] = scope["path"].encode()
        await self.app(scope, receive, send)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Builds the metrics-api app."""
    settings = settings or load_settings("metrics-api", Settings, **settings_values())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[State]:
        check_public_key_env()  # one error line for a malformed operators' key
        on_connect = None
        if settings.schema_on_start:
            on_connect = partial(
                apply_schema,
                keyspace=settings.keyspace,
                replication_factor=settings.replication_factor,
                ttl=settings.ttl,
            )
        cassandra = CassandraConnection(
            settings.cassandra_hosts, on_connect=on_connect, consistency=settings.consistency
        )
        cassandra.start()
        app.state.readiness.add("cassandra", cassandra.ping)
        for name, value in (
            ("METRICS_API_READ_TOKEN", settings.read_token),
            ("METRICS_API_WRITE_TOKEN", settings.write_token),
        ):
            if not value:
                log.warning(
                    "%s is not set: no caller can use it (every such call answers 401)", name
                )
        try:
            yield State.over(settings, cassandra)
        finally:
            await cassandra.close()

    app = create_service_app(
        "metrics-api",
        description="Metric time series in Cassandra (API under /api/v1).",
        lifespan=lifespan,
        routers=[points_router, catalog_router, series_router, dashboards_router, alerts_router],
    )
    install_original_errors(app)
    if settings.guard_prometheus:
        app.add_middleware(GuardPrometheus, settings=settings)
    if settings.dashboard_dir:
        # Without the gateway: the dashboard at / and the API also at /metrics/api/v1, as the gateway
        # lays them out. Normally the gateway serves the dashboard's files itself.
        app.add_middleware(GatewayPrefix, prefix="/metrics")
        app.mount(
            "/", StaticFiles(directory=Path(settings.dashboard_dir), html=True), name="dashboard"
        )
    return app
