"""kmdb-import's HTTP app: MySQL, Redis (arq) and S3 clients born in the lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager

from aiobotocore.session import get_session
from arq.connections import ArqRedis
from fastapi import FastAPI
from meridian_kit.app import create_service_app
from meridian_kit.operator_tokens import check_public_key_env
from meridian_kit.outages import Outage, always, answer_outages
from meridian_kit.redis_urls import async_redis
from meridian_kit.settings import load_settings
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from kmdb.db import connection
from kmdb.db import create_pool as create_mysql_pool
from kmdb.deps import State
from kmdb.files.endpoints import router as files_router
from kmdb.filters.endpoints import router as filters_router
from kmdb.imports.endpoints import router as imports_router
from kmdb.schema.service import create_or_upgrade
from kmdb.settings import Settings
from kmdb.stats.endpoints import router as stats_router
from kmdb.users.endpoints import router as users_router

log = logging.getLogger("kmdb.app")


def _add_readiness(app: FastAPI, state: State) -> None:
    """/readyz checks MySQL (the primary), Redis and S3; not the read database, whose loss
    only makes the lag-tolerant reads answer 503 (imports and filters go on)."""

    async def mysql_check() -> None:
        async with state.pool.acquire() as conn, conn.cursor() as cur:
            await cur.execute("SELECT 1")

    async def s3_check() -> None:
        if state.settings.aws_bucket:
            await state.s3.head_bucket(Bucket=state.settings.aws_bucket)
        else:
            await state.s3.list_buckets()

    app.state.readiness.add("mysql", mysql_check)
    app.state.readiness.add("redis", state.arq.ping)
    app.state.readiness.add("s3", s3_check)


async def _check_schema(settings: Settings) -> None:
    """The schema is made by kmdb-flush; make sure the API finds it if MySQL is up."""
    try:
        async with connection(settings) as conn:
            await create_or_upgrade(conn)
    except Exception as exc:  # MySQL is down: readiness says so, routes answer 503
        log.warning("could not check the schema: %s", exc)


def _lifespan(settings: Settings) -> Callable[[FastAPI], AbstractAsyncContextManager[State]]:
    """Builds the clients once, yields them as the typed State (the kit carries it) and closes
    them on shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[State]:
        check_public_key_env()  # one error line for a malformed operators' key
        async with AsyncExitStack() as stack:
            if not settings.api_token:
                log.warning(
                    "KMDB_API_TOKEN is not set: every route but health and docs answers 403"
                )
            await _check_schema(settings)
            pool = await create_mysql_pool(settings)
            read_pool = (
                await create_mysql_pool(settings, read=True) if settings.reads_elsewhere else pool
            )
            # Not arq.create_pool: it pings, and a Redis outage must not stop the API starting.
            arq = async_redis(
                settings.redis_url, redis_class=ArqRedis, socket_timeout=3, socket_connect_timeout=3
            )
            s3 = await stack.enter_async_context(
                get_session().create_client("s3", **settings.s3_client_args())
            )
            state = State(settings=settings, pool=pool, read_pool=read_pool, arq=arq, s3=s3)
            _add_readiness(app, state)
            try:
                yield state
            finally:
                for each in [pool] if read_pool is pool else [pool, read_pool]:
                    each.close()
                    await each.wait_closed()
                await arq.aclose()

    return lifespan


# Redis (the job queue) unreachable anywhere under a route: the kit's one outage rule, a 503.
REDIS = Outage(
    "Redis", (RedisConnectionError, RedisTimeoutError), always("Redis is unavailable", detail=True)
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Builds the kmdb-api app."""
    settings = settings or load_settings("kmdb-import", Settings)
    app = create_service_app(
        "kmdb-import",
        description="KISSmetrics exports from S3 into MySQL: import jobs, progress, filters, queries.",
        lifespan=_lifespan(settings),
        routers=[imports_router, files_router, filters_router, stats_router, users_router],
    )
    answer_outages(app, REDIS)
    return app
