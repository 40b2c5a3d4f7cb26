"""Two analytics-worker processes share compute jobs and store the results of one (issue 15 §2).

Runs only with MERIDIAN_INSTANCE_TESTS=1 (`make test-instances`). The console script runs as
separate processes (`make up`'s command) on the suite's Elasticsearch, with an index prefix of this
test's own (analytics' test dataset stored under it, removed after) and a private redis-server as
the job broker and result backend: the suite's workers never see these jobs.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from analytics.app import create_app
from analytics.migrations.cli import migrate
from analytics.migrations.manager import DEFAULT_FOLDER
from analytics.settings import Settings
from analytics.storage.client import build_client
from analytics.worker.celery_app import UPDATE_ANALYTIC, create_celery

from tests.instances.private_processes import REPO_ROOT, start_redis, stop

sys.path.insert(0, str(REPO_ROOT / "services" / "analytics" / "tests" / "support"))  # not a package
from analytics_dataset import FIXED, OTHER, PROJECT, generate

pytestmark = pytest.mark.skipif(
    os.environ.get("MERIDIAN_INSTANCE_TESTS") != "1",
    reason="starts private analytics-worker processes: `make test-instances` "
    "(MERIDIAN_INSTANCE_TESTS=1)",
)

VENV_BIN = REPO_ROOT / ".venv" / "bin"
DEADLINE = 300.0
COUNTS = [
    ("user", "total"),
    ("user", "active"),
    ("user", "engaged"),
    ("user", "new"),
    ("message", "requests"),
    ("message", "responses"),
]
SEGMENTATIONS = [("message", "all"), ("user", "gender"), ("user", "age")]
DONE = re.compile(r"Task analytics\.update_analytic\[[^\]]+\] succeeded")


def descriptors() -> list[dict[str, Any]]:
    """Counts and segmentations of both projects over the dataset's fixed window."""
    timespan = {"type": "fixed", "start": FIXED[0].isoformat(), "end": FIXED[1].isoformat()}
    out = []
    for project in (PROJECT, OTHER):
        base = {"timespan": timespan, "project": project}
        out += [{**base, "type": "count", "dimension": d, "metric": m} for d, m in COUNTS]
        out += [
            {**base, "type": "segmentation", "dimension": d, "metric": m} for d, m in SEGMENTATIONS
        ]
    return out


@dataclass
class PrivateAnalytics:
    settings: Settings
    env: dict[str, str]
    tmp: Path


@asynccontextmanager
async def api(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """analytics' own app in this process, on the private settings."""
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://analytics",
            headers={"X-Api-Key": settings.apikey},
            timeout=60,
        ) as http,
    ):
        yield http


@pytest.fixture
async def private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[PrivateAnalytics]:
    redis, port = start_redis(tmp_path)
    prefix = f"r2i-{uuid.uuid4().hex[:10]}-"
    overrides = {
        "ANALYTICS_INDEX_PREFIX": prefix,
        "MIGRATION_MANAGER_INDEX": f"{prefix}migrations",
        "ANALYTICS_QUEUE": f"{prefix}queue",
        "ANALYTICS_REDIS_PREFIX": prefix,
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{port}/0",
        "CELERY_RESULT_BACKEND": f"redis://127.0.0.1:{port}/1",
        "ANALYTICS_SCHEDULE_FILE": str(tmp_path / "beat-schedule"),
        "SENTRY_DSN": "",
    }
    settings = Settings(**overrides)  # type: ignore[arg-type]
    for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):  # Celery reads them over its args
        monkeypatch.setenv(name, overrides[name])
    es = build_client(settings)
    try:
        await migrate(settings, DEFAULT_FOLDER, settings.migration_manager_index)
        messages = generate()
        async with api(settings) as http:
            for start in range(0, len(messages), 200):
                stored = await http.post("/messages", json=messages[start : start + 200])
                assert stored.status_code == 201, stored.text
        await es.indices.refresh(index=f"{prefix}message-*")
        yield PrivateAnalytics(settings, {**os.environ, **overrides}, tmp_path)
    finally:
        await es.indices.delete(index=f"{prefix}*", ignore_unavailable=True, allow_no_indices=True)
        for name in ("message", "analytic", "logging"):
            await es.options(ignore_status=404).indices.delete_index_template(
                name=f"{prefix}memex-{name}"
            )
        await es.close()
        stop(redis)


def start_workers(
    private: PrivateAnalytics, count: int
) -> list[tuple[subprocess.Popen[bytes], Path]]:
    """`count` analytics-worker processes (one job at a time each), waited for until ready."""
    workers = []
    for k in range(count):
        log = private.tmp / f"worker-{count}-{k}.log"
        command = [str(VENV_BIN / "analytics-worker"), "--pool", "solo", "--concurrency", "1"]
        command += ["--hostname", f"r2i-{count}-{k}@%h"]
        process = subprocess.Popen(
            command, env=private.env, stdout=log.open("wb"), stderr=subprocess.STDOUT
        )
        workers.append((process, log))
    deadline = time.monotonic() + DEADLINE
    for process, log in workers:
        while "ready." not in log.read_text(errors="replace"):
            assert process.poll() is None, log.read_text()[-2000:]
            assert time.monotonic() < deadline, f"not ready: {log.read_text()[-2000:]}"
            time.sleep(0.3)
    return workers


async def compute_with(private: PrivateAnalytics, workers: int) -> tuple[list[Any], list[int]]:
    """Creates the analytics, queues one job each, runs `workers` processes until every result is
    stored; returns the results (in descriptor order, without creation time) and the number of
    jobs each worker finished."""
    started = start_workers(private, workers)
    celery = create_celery(private.settings)
    try:
        async with api(private.settings) as http:
            ids = []
            for descriptor in descriptors():
                created = await http.post("/analytic", json=descriptor)
                assert created.status_code in (200, 201), created.text
                ids.append(created.json()["id"])
            for analytic_id in ids:
                celery.send_task(UPDATE_ANALYTIC, args=[analytic_id], queue=private.settings.queue)
            results: list[Any] = [None] * len(ids)
            deadline = time.monotonic() + DEADLINE
            while any(r is None for r in results):
                assert time.monotonic() < deadline, f"results missing: {results}"
                for n, analytic_id in enumerate(ids):
                    if results[n] is None:
                        got = await http.get("/analytic", params={"id": analytic_id})
                        results[n] = got.json().get("result")
                await asyncio.sleep(0.5)
    finally:
        celery.close()
        for process, _ in started:
            stop(process)
    done = [len(DONE.findall(log.read_text(errors="replace"))) for _, log in started]
    return [{k: v for k, v in r.items() if k != "creationDt"} for r in results], done


async def test_two_analytics_workers_share_the_jobs_and_store_the_results_of_one(
    private: PrivateAnalytics,
) -> None:
    alone, one = await compute_with(private, workers=1)
    assert one == [len(alone)]
    assert sum(1 for r in alone if r.get("count")) >= 8  # not vacuous: numbers were computed
    together, two = await compute_with(private, workers=2)
    assert together == alone
    assert sum(two) == len(alone) and all(two), f"jobs per worker: {two}"
