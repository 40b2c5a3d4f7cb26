"""metrics-api's app: the Cassandra session born in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from meridian_kit.app import create_service_app
from meridian_kit.settings import load_settings

from metrics_api.cassandra_session import CassandraConnection
from metrics_api.settings import Settings, settings_values


def create_app(settings: Settings | None = None) -> FastAPI:
    """Builds the metrics-api app."""
    settings = settings or load_settings("metrics-api", Settings, **settings_values())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        cassandra = CassandraConnection(settings.cassandra_hosts)
        cassandra.start()
        app.state.settings, app.state.cassandra = settings, cassandra
        app.state.readiness.add("cassandra", cassandra.ping)
        try:
            yield
        finally:
            await cassandra.close()

    return create_service_app(
        "metrics-api",
        description="Metric time series in Cassandra (API under /api/v1).",
        lifespan=lifespan,
    )
