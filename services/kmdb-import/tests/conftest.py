"""Fixtures: a MySQL database per test run, a Redis queue name per run, an S3 bucket per run.

Every test starts from empty tables and an empty queue; the database, the queue's keys and the
bucket are removed at the end of the run.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from aiobotocore.session import get_session
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from asyncmy.connection import Connection
from kmdb.app import create_app
from kmdb.db import connection, execute, fetchall
from kmdb.imports.discover import ImportStarted, start_import
from kmdb.partitions.service import existing_bounds
from kmdb.queue.redis_keys import clear_queue
from kmdb.queue.worker import build_worker
from kmdb.schema.ddl import FILTER_TABLES, PARTITIONED_TABLES
from kmdb.schema.service import flush
from kmdb.settings import Settings
from kmdb.sources.open import open_source
from redis.asyncio import Redis

RUN = uuid.uuid4().hex[:10]
API_TOKEN = f"kmdb-test-token-{RUN}"
SNAPSHOT_TABLES = {
    "events": "SELECT id, t, n, user_id FROM events ORDER BY id",
    "properties": "SELECT id, t, `key`, value, user_id, event_id FROM properties ORDER BY id",
    "aliases": "SELECT id, name1, name2, t FROM aliases ORDER BY id",
    "users": "SELECT id, name FROM users ORDER BY id",
    "identities": "SELECT name, user_id FROM identities ORDER BY name",
    "file_errors": "SELECT revision, line, reason FROM file_errors ORDER BY revision, line",
}


def database_url(name: str) -> str:
    """DATABASE_URL of the development settings, pointed at another database."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{name}"))


def make_settings(**overrides: Any) -> Settings:
    """Settings of this test run (own database and queue), small batches and short jobs."""
    values: dict[str, Any] = {
        "database_url": database_url(f"kmdb_test_{RUN}"),
        "redis_url": os.environ["KMDB_REDIS_URL"],
        "queue": f"kmdbtest{RUN}",
        "batch_size": 50,
        "job_timeout": 60,
        "max_tries": 3,
        "aws_bucket": f"kmdb-test-{RUN}",
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
async def database() -> AsyncIterator[str]:
    """The run's own MySQL database, dropped afterwards."""
    name = f"kmdb_test_{RUN}"
    base = Settings(database_url=database_url(""), redis_url=os.environ["KMDB_REDIS_URL"])
    async with connection(base, db=None) as conn:
        await execute(conn, f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    yield name
    async with connection(base, db=None) as conn:
        await execute(conn, f"DROP DATABASE IF EXISTS `{name}`")


@pytest.fixture
async def settings(database: str) -> AsyncIterator[Settings]:
    """Fresh tables (filters included) and an empty queue for each test."""
    s = make_settings()
    async with connection(s) as conn:
        await flush(conn)
        for table in FILTER_TABLES:
            await execute(conn, f"DELETE FROM {table}")
        for table in PARTITIONED_TABLES:
            if await existing_bounds(conn, table) is not None:
                await execute(conn, f"ALTER TABLE {table} REMOVE PARTITIONING")
    redis = Redis.from_url(s.redis_url)
    await clear_queue(redis, s)
    yield s
    await clear_queue(redis, s)
    await redis.aclose()


@pytest.fixture
async def conn(settings: Settings) -> AsyncIterator[Connection]:
    """A MySQL connection to the run's database."""
    async with connection(settings) as c:
        yield c


@pytest.fixture
async def arq(settings: Settings) -> AsyncIterator[ArqRedis]:
    """An arq Redis pool."""
    pool = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    yield pool
    await pool.aclose()


@pytest.fixture(scope="session")
async def s3() -> AsyncIterator[Any]:
    """An S3 client on the moto server, with this run's bucket (emptied and removed afterwards)."""
    s = make_settings()
    async with get_session().create_client("s3", **s.s3_client_args()) as client:
        await client.create_bucket(Bucket=s.aws_bucket)
        yield client
        # The S3 server may have restarted since (the suite's outage tests restart it; moto keeps
        # buckets in memory): then the bucket is already gone.
        with contextlib.suppress(client.exceptions.NoSuchBucket):
            pages = client.get_paginator("list_objects_v2").paginate(Bucket=s.aws_bucket)
            async for page in pages:
                for item in page.get("Contents", []):
                    await client.delete_object(Bucket=s.aws_bucket, Key=item["Key"])
            await client.delete_bucket(Bucket=s.aws_bucket)


@pytest.fixture
def api_client(settings: Settings) -> Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]:
    """Opens kmdb-api in process (KMDB_API_TOKEN set, other settings overridable) and a client.

    The client sends `Authorization: Bearer <token>`: the right token unless told otherwise.
    """

    @asynccontextmanager
    async def open_client(
        token: str | None = API_TOKEN, **overrides: Any
    ) -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(settings.model_copy(update={"api_token": API_TOKEN, **overrides}))
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://kmdb", headers=headers) as c,
        ):
            yield c

    return open_client


def line(obj: dict[str, Any] | bytes) -> bytes:
    """One export line (a dict becomes JSON) with its newline."""
    return obj if isinstance(obj, bytes) else json.dumps(obj).encode() + b"\n"


@pytest.fixture
def export(tmp_path: Path) -> Callable[..., str]:
    """Writes revisions/<N>.json files under a folder; returns its file:// URL."""
    root = tmp_path / "export"

    def write(files: dict[int, list[dict[str, Any] | bytes]]) -> str:
        for revision, lines in files.items():
            path = root / "revisions" / f"{revision}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"".join(line(x) for x in lines))
        return f"file://{root}"

    return write


async def enqueue(
    conn: Connection, arq: ArqRedis, settings: Settings, url: str, **kwargs: Any
) -> ImportStarted:
    """kmdb-import's discovery, in process."""
    return await start_import(conn, arq, settings, open_source(url, None), **kwargs)


async def work(settings: Settings) -> int:
    """One kmdb-work --burst worker, in process; returns the count of jobs that failed for good."""
    worker = build_worker(settings, burst=True, handle_signals=False)
    try:
        await worker.async_run()
    finally:
        await worker.close()
    return worker.jobs_failed


async def snapshot(conn: Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every imported row, to compare two imports."""
    return {table: await fetchall(conn, sql) for table, sql in SNAPSHOT_TABLES.items()}


async def count(conn: Connection, table: str, where: str = "1", args: Any = None) -> int:
    """Rows of a table matching a condition."""
    return int((await fetchall(conn, f"SELECT COUNT(*) FROM `{table}` WHERE {where}", args))[0][0])


@pytest.fixture
def kit() -> Any:
    """The helpers above, for test modules (which cannot import this conftest)."""

    class Kit:
        pass

    k = Kit()
    for name, fn in {
        "enqueue": enqueue,
        "work": work,
        "snapshot": snapshot,
        "count": count,
        "make_settings": make_settings,
        "line": line,
    }.items():
        setattr(k, name, staticmethod(fn))
    return k
