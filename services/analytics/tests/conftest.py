"""Fixtures: a real Elasticsearch and Redis, one index prefix / queue / key prefix per test run."""

from __future__ import annotations

import asyncio
import os
import ssl
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from analytics.app import create_app
from analytics.migrations.cli import migrate
from analytics.migrations.manager import DEFAULT_FOLDER
from analytics.settings import Settings
from analytics.storage.client import build_client
from analytics.storage.indices import Indices
from elasticsearch import AsyncElasticsearch
from redis import Redis

sys.path.insert(0, str(Path(__file__).parent / "support"))  # the helpers (not a package)

from analytics_dataset import generate
from analytics_run import PREFIX, RUN, child_env, overrides


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings(**overrides())  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def indices(settings: Settings) -> Indices:
    return Indices(settings.index_prefix)


@pytest.fixture(scope="session")
async def es(settings: Settings) -> AsyncIterator[AsyncElasticsearch]:
    client = build_client(settings)
    try:
        await client.cluster.health(wait_for_status="yellow", timeout="30s")
    except Exception as exc:
        await client.close()
        pytest.fail(f"Elasticsearch at {settings.elasticsearch_url} does not answer: {exc}")
    yield client
    # The shared node may be restarting (other services' outage tests): wait for it to clean up.
    for _ in range(120):
        try:
            await client.cluster.health(wait_for_status="yellow", timeout="5s")
            break
        except Exception:
            await asyncio.sleep(1)
    await client.indices.delete(index=f"{PREFIX}*", ignore_unavailable=True, allow_no_indices=True)
    for name in ("message", "analytic", "logging"):
        await client.options(ignore_status=404).indices.delete_index_template(
            name=f"{PREFIX}memex-{name}"
        )
    await client.close()


@pytest.fixture(scope="session")
async def migrated(es: AsyncElasticsearch, settings: Settings) -> list[tuple[str, str]]:
    """The shipped migrations applied (templates in place) for this run's prefix."""
    return await migrate(settings, DEFAULT_FOLDER, settings.migration_manager_index)


@pytest.fixture(scope="session", autouse=True)
def clean_redis(settings: Settings) -> Iterator[None]:
    yield
    for url in {settings.broker_url, settings.result_backend or settings.broker_url}:
        redis = Redis.from_url(url)
        keys = list(redis.scan_iter(f"{settings.redis_key_prefix}*", count=1000))
        keys += list(redis.scan_iter(f"*{settings.queue}*", count=1000))
        if keys:
            redis.delete(*keys)
        redis.close()


@pytest.fixture(scope="session")
async def client(settings: Settings, migrated: Any) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        headers = {"X-Api-Key": settings.apikey}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://analytics", headers=headers
        ) as http:
            yield http


@pytest.fixture(scope="session")
async def refresh(es: AsyncElasticsearch):
    async def _refresh() -> None:
        await es.indices.refresh(index=f"{PREFIX}*", ignore_unavailable=True, allow_no_indices=True)

    return _refresh


@pytest.fixture(scope="session")
def worker(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[subprocess.Popen]:
    """A real `analytics-worker` process consuming this run's queue."""
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    handle = log.open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from analytics.worker.cli import worker_main; worker_main()",
            "--pool",
            "solo",
            "--concurrency",
            "1",
            "--hostname",
            f"test-{RUN}@%h",
        ],
        env=child_env(),
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    process.log_path = log  # type: ignore[attr-defined]
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    handle.close()


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
async def dataset(client: httpx.AsyncClient, es: AsyncElasticsearch) -> list[dict[str, Any]]:
    """The generated messages, stored through POST /messages and searchable."""
    messages = generate()
    for start in range(0, len(messages), 200):
        response = await client.post("/messages", json=messages[start : start + 200])
        assert response.status_code == 201, response.text
    await es.indices.refresh(index=f"{PREFIX}message-*")
    return messages


GATEWAY = os.environ.get("GATEWAY_URL", "https://localhost:8443")
CA = os.environ.get("MERIDIAN_CA", str(Path(__file__).resolve().parents[3] / ".local/tls/ca.crt"))


@pytest.fixture(scope="session")
async def live() -> AsyncIterator[httpx.AsyncClient]:
    """The running analytics (make up) through the gateway, with the key the original's clients
    send (`x-wenet-component-apikey`); tests use their own project names (see live_project)."""
    headers = {"x-wenet-component-apikey": os.environ.get("APIKEY", "")}
    async with httpx.AsyncClient(
        base_url=f"{GATEWAY}/analytics",
        verify=ssl.create_default_context(cafile=CA),
        headers=headers,
        timeout=30,
    ) as http:
        if (await http.get("/readyz")).status_code != 200:
            pytest.fail(f"the running analytics at {GATEWAY}/analytics is not ready")
        yield http


@pytest.fixture(scope="session")
def live_project() -> str:
    """This run's project name in the running analytics' shared indices."""
    return f"h12-{RUN}"
