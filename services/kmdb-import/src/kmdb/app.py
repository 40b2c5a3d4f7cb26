"""kmdb-import's HTTP app: MySQL, Redis and S3 clients born in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import asyncmy
from aiobotocore.session import get_session
from fastapi import FastAPI
from meridian_kit.app import create_service_app
from meridian_kit.settings import load_settings
from redis.asyncio import Redis

from kmdb.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """Builds the kmdb-api app."""
    settings = settings or load_settings("kmdb-import", Settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            pool = await asyncmy.create_pool(
                minsize=0, maxsize=10, connect_timeout=3, **settings.mysql_params()
            )
            redis = Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
            s3 = await stack.enter_async_context(
                get_session().create_client(
                    "s3",
                    region_name=settings.aws_region,
                    endpoint_url=settings.aws_endpoint_url,
                    aws_access_key_id=settings.aws_access_key_id,
                    aws_secret_access_key=settings.aws_secret_access_key,
                )
            )
            app.state.settings, app.state.pool, app.state.redis, app.state.s3 = (
                settings,
                pool,
                redis,
                s3,
            )

            async def mysql_check() -> None:
                async with pool.acquire() as conn, conn.cursor() as cur:
                    await cur.execute("SELECT 1")

            async def s3_check() -> None:
                if settings.aws_bucket:
                    await s3.head_bucket(Bucket=settings.aws_bucket)
                else:
                    await s3.list_buckets()

            app.state.readiness.add("mysql", mysql_check)
            app.state.readiness.add("redis", redis.ping)
            app.state.readiness.add("s3", s3_check)
            try:
                yield
            finally:
                pool.close()
                await pool.wait_closed()
                await redis.aclose()

    return create_service_app(
        "kmdb-import",
        description="KISSmetrics exports from S3 into MySQL: job control and queries.",
        lifespan=lifespan,
    )
