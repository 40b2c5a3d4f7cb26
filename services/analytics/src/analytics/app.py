"""analytics' app: Elasticsearch and the Redis job broker, born in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from elasticsearch import AsyncElasticsearch
from fastapi import FastAPI
from meridian_kit.app import create_service_app
from meridian_kit.settings import load_settings
from redis.asyncio import Redis

from analytics.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """Builds the analytics app."""
    settings = settings or load_settings("analytics", Settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        auth = None
        if settings.el_username:
            auth = (settings.el_username, settings.el_password or "")
        es = AsyncElasticsearch(settings.elasticsearch_url, basic_auth=auth, request_timeout=10)
        redis = Redis.from_url(settings.broker_url, socket_timeout=2, socket_connect_timeout=2)
        app.state.settings, app.state.es, app.state.redis = settings, es, redis
        app.state.readiness.add("elasticsearch", lambda: es.search(size=0))
        app.state.readiness.add("redis", redis.ping)
        try:
            yield
        finally:
            await es.close()
            await redis.aclose()

    return create_service_app(
        "analytics",
        description="Message logging and analytics (memex logging API v2).",
        lifespan=lifespan,
    )
