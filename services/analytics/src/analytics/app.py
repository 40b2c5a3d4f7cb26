"""analytics' app: Elasticsearch and the Redis job broker, born in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from meridian_kit.app import create_service_app
from meridian_kit.settings import load_settings
from redis.asyncio import Redis

from analytics.analytic.endpoints import router as analytic_router
from analytics.errors import install_status_errors
from analytics.logs.endpoints import router as logs_router
from analytics.messages.endpoints import router as messages_router
from analytics.performance.endpoints import router as performance_router
from analytics.settings import Settings
from analytics.storage.client import build_client
from analytics.storage.indices import Indices
from analytics.worker.celery_app import create_celery
from analytics.worker.queue import JobQueue


def create_app(settings: Settings | None = None) -> FastAPI:
    """Builds the analytics app."""
    settings = settings or load_settings("analytics", Settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        es = build_client(settings)
        redis = Redis.from_url(settings.broker_url, socket_timeout=2, socket_connect_timeout=2)
        celery = create_celery(settings)
        app.state.settings, app.state.es, app.state.redis = settings, es, redis
        app.state.indices = Indices(settings.index_prefix)
        app.state.jobs = JobQueue(
            celery,
            settings.queue,
            redis,
            key_prefix=settings.redis_key_prefix,
            ttl=settings.queued_ttl,
        )
        app.state.readiness.add("elasticsearch", es.cluster.health)
        app.state.readiness.add("redis", redis.ping)
        try:
            yield
        finally:
            await es.close()
            await redis.aclose()

    app = create_service_app(
        "analytics",
        version="2.0.0",
        description="Message logging and analytics (the memex logging API, v2). "
        "Every route but health and documentation needs the `X-Api-Key` header.",
        lifespan=lifespan,
        routers=[messages_router, logs_router, performance_router, analytic_router],
    )
    install_status_errors(app)

    @app.get("/documentation", tags=["documentation"])
    async def documentation(request: Request) -> dict[str, Any]:
        """The OpenAPI document of this API."""
        document = dict(app.openapi())
        root = request.scope.get("root_path") or ""
        if root:
            document["servers"] = [{"url": root}]
        return document

    return app
