"""ingest's app: clients born in the lifespan, readiness on each of its engines."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from elasticsearch import AsyncElasticsearch
from fastapi import FastAPI
from meridian_kit.app import create_service_app
from meridian_kit.settings import load_settings
from pymongo import AsyncMongoClient
from redis.asyncio import Redis

from ingest.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """Builds the ingest app."""
    settings = settings or load_settings("ingest", Settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        es = AsyncElasticsearch(settings.elasticsearch_hosts, request_timeout=10)
        mongo: AsyncMongoClient = AsyncMongoClient(
            settings.mongo_url, serverSelectionTimeoutMS=2000
        )
        redis = Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
        app.state.settings, app.state.es, app.state.mongo, app.state.redis = (
            settings,
            es,
            mongo,
            redis,
        )
        app.state.readiness.add("elasticsearch", lambda: es.search(size=0))
        app.state.readiness.add("mongodb", lambda: mongo.admin.command("ping"))
        app.state.readiness.add("redis", redis.ping)
        try:
            yield
        finally:
            await es.close()
            await mongo.close()
            await redis.aclose()

    return create_service_app(
        "ingest",
        description="Keymetrics-compatible ingestion for PM2 agents.",
        lifespan=lifespan,
    )
