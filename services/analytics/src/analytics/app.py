"""analytics' app: Elasticsearch and the Redis job broker, born in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import yaml
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse
from meridian_kit.app import create_service_app
from meridian_kit.operator_tokens import check_public_key_env
from meridian_kit.redis_urls import async_redis
from meridian_kit.settings import load_settings

from analytics.analytic.endpoints import router as analytic_router
from analytics.clicks.endpoints import router as clicks_router
from analytics.deps import State
from analytics.errors import install_status_errors
from analytics.exports.endpoints import router as exports_router
from analytics.logs.endpoints import router as logs_router
from analytics.messages.endpoints import router as messages_router
from analytics.performance.endpoints import router as performance_router
from analytics.settings import Settings
from analytics.storage.client import build_client
from analytics.storage.indices import Indices
from analytics.versions import OriginalPaths
from analytics.worker.celery_app import create_celery
from analytics.worker.queue import JobQueue


def lifespan_of(settings: Settings) -> Callable[[FastAPI], AbstractAsyncContextManager[State]]:
    """The lifespan: builds the clients once, yields them as the app's State (the kit carries
    it), closes them at shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[State]:
        check_public_key_env()  # one error line for a malformed operators' key
        es = build_client(settings)
        redis = async_redis(settings.broker_url, socket_timeout=2, socket_connect_timeout=2)
        jobs = JobQueue(
            create_celery(settings),
            settings.queue,
            redis,
            key_prefix=settings.redis_key_prefix,
            ttl=settings.queued_ttl,
        )
        app.state.readiness.add("elasticsearch", es.cluster.health)
        app.state.readiness.add("redis", redis.ping)
        try:
            yield State(settings, es, redis, Indices(settings.index_prefix), jobs)
        finally:
            await es.close()
            await redis.aclose()

    return lifespan


def add_documentation(app: FastAPI) -> None:
    """GET /documentation: the OpenAPI document as YAML text, as the original served its own."""

    @app.get(
        "/documentation",
        tags=["documentation"],
        response_class=PlainTextResponse,
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    )
    async def documentation(request: Request) -> PlainTextResponse:
        """This API's OpenAPI document as YAML text, as the original served its own."""
        document = dict(app.openapi())
        root = request.scope.get("root_path") or ""
        if root:
            document["servers"] = [{"url": root}]
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
        return PlainTextResponse(text, headers={"Access-Control-Allow-Origin": "*"})


def create_app(settings: Settings | None = None) -> FastAPI:
    """Builds the analytics app."""
    settings = settings or load_settings("analytics", Settings)
    app = create_service_app(
        "analytics",
        version="2.4.0",
        description="Message logging and analytics (the memex logging API, v2). "
        "Every route but health and documentation needs the `X-Api-Key` header "
        "(or `x-wenet-component-apikey`, as the original's clients send it). "
        "Every route is also served under `/v1/` with 1.x's answers where they differed.",
        lifespan=lifespan_of(settings),
        routers=[
            messages_router,
            logs_router,
            performance_router,
            analytic_router,
            clicks_router,
            exports_router,
        ],
    )
    install_status_errors(app)
    app.add_middleware(OriginalPaths)
    add_documentation(app)
    return app
