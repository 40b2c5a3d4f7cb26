"""ingest's test fixtures: one real ingest server per session on its own port, isolated by an index
prefix, a Mongo database and a Redis key prefix of its own, all removed afterwards."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from elasticsearch import AsyncElasticsearch
from ingest.app import create_app
from ingest.settings import Settings
from ingest.state import State
from ingest.storage.templates import KINDS
from pymongo import AsyncMongoClient
from redis.asyncio import Redis
from redis.exceptions import ResponseError

RUN = uuid.uuid4().hex[:8]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "outage: stops and restarts a shared engine (Elasticsearch) for a short while"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def settings(port: int) -> Settings:
    return Settings(
        index_prefix=f"kmt{RUN}",
        redis_prefix=f"ingest-test-{RUN}",
        mongo_database=f"ingest_test_{RUN}",
        public_url=f"http://127.0.0.1:{port}",
        admin_token=os.environ.get("INGEST_ADMIN_TOKEN") or "test-admin-token",
        retention_interval=3600,
        claim_idle_ms=5_000,
        # answered commands return as soon as the answer comes: a generous bound never slows a test,
        # and a loaded machine never makes one time out (the 504 test lowers it for itself)
        command_timeout=30.0,
        metrics_api_url="",
        # the consumers in the test process, where tests read their counters (WriterStats); the
        # child processes of INGEST_WORKER_PROCESSES have their own test (test_workers.py)
        worker_processes=0,
    )


async def cleanup(settings: Settings) -> None:
    """Removes every index, template, database and key of this test run."""
    es = AsyncElasticsearch(settings.elasticsearch_hosts, request_timeout=30)
    try:
        prefix = settings.index_prefix
        with contextlib.suppress(Exception):
            found = await es.indices.get(index=f"{prefix}-*", ignore_unavailable=True)
            names = sorted(found.body)
            for start in range(0, len(names), 50):
                await es.indices.delete(index=",".join(names[start : start + 50]))
        for kind in KINDS:
            with contextlib.suppress(Exception):
                await es.indices.delete_index_template(name=f"{prefix}-{kind}")
    finally:
        await es.close()
    mongo: AsyncMongoClient = AsyncMongoClient(settings.mongo_url, serverSelectionTimeoutMS=3000)
    with contextlib.suppress(Exception):
        await mongo.drop_database(settings.mongo_database)
    await mongo.close()
    redis = Redis.from_url(settings.redis_url)
    with contextlib.suppress(Exception):
        keys = [k async for k in redis.scan_iter(f"{settings.redis_prefix}:*", count=1000)]
        for start in range(0, len(keys), 500):
            await redis.delete(*keys[start : start + 500])
    await redis.aclose()


@pytest.fixture(scope="session")
def remove_run() -> Any:
    """await remove_run(settings): every index, template, database and key of those settings."""
    return cleanup


@pytest.fixture(scope="session")
async def server(settings: Settings, port: int) -> AsyncIterator[Any]:
    """A real ingest (HTTP + websockets under uvicorn) for the whole session."""
    app = create_app(settings)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    instance = uvicorn.Server(config)
    task = asyncio.create_task(instance.serve())
    while not instance.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    try:
        yield app
    finally:
        instance.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 20)
        await cleanup(settings)


@pytest.fixture
async def second_server(settings: Settings) -> AsyncIterator[Any]:
    """Another ingest instance on the same engines and names (its own port and instance id),
    as a second process behind the gateway would be."""
    port = free_port()
    app = create_app(settings.model_copy(update={"public_url": f"http://127.0.0.1:{port}"}))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    app.state.base_url = f"http://127.0.0.1:{port}"
    try:
        yield app
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 20)


@pytest.fixture
def second_instance(second_server: Any) -> str:
    """The second instance's base URL."""
    return str(second_server.state.base_url)


@pytest.fixture
async def without_redis(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An admin client of an instance on the same MongoDB and Elasticsearch whose Redis does not
    answer (a port nothing listens on)."""
    dead = f"redis://127.0.0.1:{free_port()}/0"
    app = create_app(settings.model_copy(update={"redis_url": dead}))
    headers = {"Authorization": f"Bearer {settings.admin_token}"}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://ingest", headers=headers, timeout=30
        ) as client:
            yield client


@pytest.fixture(scope="session")
def ingest(server: Any) -> State:
    """The running instance's clients and services, for assertions."""
    return server.state.service


@pytest.fixture(scope="session")
def base_url(port: int, server: Any) -> str:
    return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
async def admin(base_url: str, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {settings.admin_token}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
async def anonymous(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        yield client


@pytest.fixture
async def bucket(admin: httpx.AsyncClient) -> AsyncIterator[dict[str, Any]]:
    """A fresh bucket per test, deleted afterwards (with its indices)."""
    name = f"test-{uuid.uuid4().hex[:6]}"
    response = await admin.post(
        "/api/admin/buckets",
        json={"name": name, "retention_days": 7, "alert_emails": [f"ops-{name}@example.test"]},
    )
    assert response.status_code == 201, response.text
    created = response.json()
    yield created
    await admin.delete(f"/api/admin/buckets/{created['id']}")


def keys_of(bucket: dict[str, Any], server: str | None = None) -> dict[str, str]:
    """The headers that open a bucket."""
    headers = {"X-KM-PUBLIC": bucket["public_key"], "X-KM-SECRET": bucket["secret_key"]}
    if server:
        headers["X-KM-SERVER"] = server
    return headers


async def settle(ingest: State, *, within: float = 60.0) -> None:
    """Waits until the bulk writers drained the backlog, then makes it searchable."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        try:
            pending = await ingest.redis.xpending(ingest.keys.intake, ingest.keys.intake_group)
        except ResponseError:  # the writers have not created their group yet
            pending = {"pending": 1}
        if await ingest.stream.backlog() == 0 and not pending["pending"]:
            break
        await asyncio.sleep(0.1)
    await ingest.es.indices.refresh(
        index=f"{ingest.settings.index_prefix}-*", ignore_unavailable=True
    )


SMTP_SINK = Path(os.environ.get("SMTP_SINK_DIR", "/tmp/smtp"))


@pytest.fixture(scope="session")
def keys() -> Any:
    """keys(bucket, server=None): the X-KM-* headers of a bucket."""
    return keys_of


@pytest.fixture(scope="session")
def drain(ingest: State) -> Any:
    """await drain(): the backlog is indexed and searchable."""

    async def run(within: float = 60.0) -> None:
        await settle(ingest, within=within)

    return run


@pytest.fixture(scope="session")
def held(ingest: State) -> Any:
    """await held(bucket, server): an instance says it holds the server's websocket. The presence
    key is written once the connection is recorded, in the background, which takes a while on a
    loaded machine: a command sent before it is a 409."""

    async def wait(bucket: dict[str, Any], server: str, within: float = 30.0) -> None:
        deadline = asyncio.get_running_loop().time() + within
        while await ingest.agents.holder(bucket["id"], server) is None:
            assert asyncio.get_running_loop().time() < deadline, f"{server} never shown connected"
            await asyncio.sleep(0.05)

    return wait
