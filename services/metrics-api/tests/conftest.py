"""metrics-api tests run against the real Cassandra, in a keyspace of their own dropped afterwards."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from cassandra.cluster import Cluster, Session
from fastapi import FastAPI
from metrics_api.app import create_app
from metrics_api.schema.ddl import apply_schema
from metrics_api.settings import Settings

CASSANDRA = os.environ.get("METRICS_SERVER_CASSANDRA", "127.0.0.1:9042")
READ_TOKEN = f"read-{uuid.uuid4().hex}"
WRITE_TOKEN = f"write-{uuid.uuid4().hex}"
WRITE_HEADERS = {"Authorization": f"Bearer {WRITE_TOKEN}"}


def _cluster() -> Cluster:
    host, _, port = CASSANDRA.split(",")[0].partition(":")
    return Cluster([host], port=int(port or 9042), connect_timeout=5)


@pytest.fixture(scope="session")
def cql() -> Iterator[Session]:
    """A plain driver session, for checks that look at the tables directly."""
    cluster = _cluster()
    try:
        session = cluster.connect()
    except Exception as exc:
        cluster.shutdown()
        pytest.skip(f"cassandra not reachable at {CASSANDRA}: {exc}")
    yield session
    cluster.shutdown()


@pytest.fixture(scope="session")
def keyspace(cql: Session) -> Iterator[str]:
    """A keyspace of this test session's own, with the full schema."""
    name = f"metric_data_test_{uuid.uuid4().hex[:10]}"
    apply_schema(cql, name, ttl={"raw_gauge": 0})
    yield name
    cql.execute(f"DROP KEYSPACE IF EXISTS {name}")


def settings_for(keyspace: str, **extra: object) -> Settings:
    """Settings for an app on the test keyspace."""
    values: dict[str, object] = {
        "cassandra": CASSANDRA,
        "keyspace": keyspace,
        "schema_on_start": False,
        "read_token": READ_TOKEN,
        "write_token": WRITE_TOKEN,
        **extra,
    }
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
async def app(keyspace: str) -> AsyncIterator[FastAPI]:
    """The app with its lifespan running and Cassandra connected."""
    application = create_app(settings_for(keyspace))
    async with application.router.lifespan_context(application):
        async with asyncio.timeout(60):
            await application.state.service.cassandra.wait_connected()
        yield application


def _client(app: FastAPI, token: str | None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url="http://metrics-api", headers=headers)


@pytest.fixture(scope="session")
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in-process, with the write token (it reads too)."""
    async with _client(app, WRITE_TOKEN) as c:
        yield c


@pytest.fixture(scope="session")
async def reader(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client with the read token."""
    async with _client(app, READ_TOKEN) as c:
        yield c


@pytest.fixture(scope="session")
async def anonymous(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client without credentials."""
    async with _client(app, None) as c:
        yield c


@pytest.fixture
def env() -> str:
    """An environment name no other test uses."""
    return f"env-{uuid.uuid4().hex[:8]}"
