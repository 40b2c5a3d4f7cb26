"""POST /analytic/compute queues a job once while it waits, and is rate-limited (issue 11, §3).

These tests use their own queue and Redis key prefix and no worker, so what waits in the queue
is exactly what the calls queued.
"""

from __future__ import annotations

import ast
import asyncio
import json
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from analytics.app import create_app
from analytics.settings import Settings
from analytics.worker.celery_app import (
    UPDATE_ANALYTIC,
    UPDATE_ANALYTICS,
    UPDATE_BATCH,
    create_celery,
)
from analytics_dataset import PROJECT
from analytics_run import overrides
from redis import Redis


def isolated_settings(**extra: str) -> Settings:
    tag = uuid.uuid4().hex[:6]
    env = {
        **overrides(),
        "ANALYTICS_QUEUE": f"{overrides()['ANALYTICS_QUEUE']}-{tag}",
        "ANALYTICS_REDIS_PREFIX": f"{overrides()['ANALYTICS_REDIS_PREFIX']}{tag}-",
        **extra,
    }
    return Settings(**env)  # type: ignore[arg-type]


async def api(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://analytics",
            headers={"X-Api-Key": settings.apikey},
        ) as http,
    ):
        yield http


def waiting_jobs(settings: Settings) -> Counter[tuple[str, str]]:
    """(task name, its first argument) of every job waiting in the settings' queue."""
    redis = Redis.from_url(settings.broker_url)
    try:
        raw = redis.lrange(f"{settings.redis_key_prefix}{settings.queue}", 0, -1)
    finally:
        redis.close()
    jobs: Counter[tuple[str, str]] = Counter()
    for item in raw:
        headers = json.loads(item)["headers"]
        args = ast.literal_eval(headers["argsrepr"])
        jobs[(headers["task"], str(args[0]) if args else "None")] += 1
    return jobs


def queued_analytics(settings: Settings) -> Counter[str]:
    """How many waiting jobs (alone or in a batch) will compute each analytic."""
    raw = _raw_jobs(settings)
    out: Counter[str] = Counter()
    for headers in raw:
        args = ast.literal_eval(headers["argsrepr"])
        if headers["task"] == UPDATE_ANALYTIC:
            out[args[0]] += 1
        elif headers["task"] == UPDATE_BATCH:
            out.update(args[0])
    return out


def _raw_jobs(settings: Settings) -> list[dict[str, Any]]:
    redis = Redis.from_url(settings.broker_url)
    try:
        raw = redis.lrange(f"{settings.redis_key_prefix}{settings.queue}", 0, -1)
    finally:
        redis.close()
    return [json.loads(item)["headers"] for item in raw]


def drop_queue(settings: Settings) -> None:
    redis = Redis.from_url(settings.broker_url)
    try:
        keys = list(redis.scan_iter(f"{settings.redis_key_prefix}*", count=1000))
        if keys:
            redis.delete(*keys)
    finally:
        redis.close()


def user_count(metric: str) -> dict[str, Any]:
    return {
        "type": "count",
        "dimension": "user",
        "metric": metric,
        "project": PROJECT,
        "timespan": {"type": "moving", "value": "30d"},
    }


@pytest.fixture
async def queue_api(migrated: Any) -> AsyncIterator[tuple[Settings, httpx.AsyncClient]]:
    settings = isolated_settings(ANALYTICS_COMPUTE_RATE_LIMIT="0")
    try:
        async for http in api(settings):
            yield settings, http
    finally:
        drop_queue(settings)


async def test_computing_one_analytic_again_while_it_waits_queues_nothing(queue_api):
    settings, http = queue_api
    analytic_id = (await http.post("/analytic", json=user_count("total"))).json()["id"]
    for _ in range(5):
        response = await http.post("/analytic/compute", params={"id": analytic_id})
        assert response.status_code == 200 and response.json() == {}
    assert waiting_jobs(settings) == Counter({(UPDATE_ANALYTIC, analytic_id): 1})


async def test_computing_every_analytic_queues_each_once(queue_api):
    settings, http = queue_api
    ids = [
        (await http.post("/analytic", json=user_count(metric))).json()["id"]
        for metric in ("total", "active", "engaged")
    ]
    for _ in range(5):
        assert (await http.post("/analytic/compute")).status_code == 200
    assert waiting_jobs(settings) == Counter({(UPDATE_ANALYTICS, "None"): 1})

    # The fan-out, run twice (as two workers would): each analytic is queued once, in a batch.
    celery = create_celery(settings)
    for _ in range(2):
        fanned = await asyncio.to_thread(celery.tasks[UPDATE_ANALYTICS].apply, args=(None,))
        assert fanned.successful(), fanned.traceback
    per_analytic = queued_analytics(settings)
    assert all(per_analytic[analytic_id] == 1 for analytic_id in ids), per_analytic
    assert max(per_analytic.values()) == 1, per_analytic
    # Asked for one of them while its batch waits: nothing more is queued.
    assert (await http.post("/analytic/compute", params={"id": ids[1]})).status_code == 200
    assert queued_analytics(settings) == per_analytic

    # Once its batch has run, an analytic can be queued again.
    redis = Redis.from_url(settings.broker_url)
    key = f"{settings.redis_key_prefix}analytics:queued:{UPDATE_ANALYTIC}:{ids[0]}"
    job_id = redis.get(key).decode()
    batch = next(h for h in _raw_jobs(settings) if h["id"] == job_id)
    redis.close()
    done = await asyncio.to_thread(
        celery.tasks[UPDATE_BATCH].apply,
        args=(ast.literal_eval(batch["argsrepr"])[0],),
        task_id=job_id,
    )
    assert done.successful(), done.traceback
    assert done.result["updated"] >= len(ids), done.result
    redis = Redis.from_url(settings.broker_url)
    assert redis.get(key) is None, (redis.get(key), job_id)
    redis.close()
    assert (await http.post("/analytic/compute", params={"id": ids[0]})).status_code == 200
    assert waiting_jobs(settings)[(UPDATE_ANALYTIC, ids[0])] == 1
    result = (await http.get("/analytic", params={"id": ids[0]})).json()["result"]
    assert result["type"] == "count" and isinstance(result["count"], int)


async def test_the_compute_route_is_rate_limited_across_instances(migrated):
    settings = isolated_settings(
        ANALYTICS_COMPUTE_RATE_LIMIT="3", ANALYTICS_COMPUTE_RATE_WINDOW="3600"
    )
    statuses = []
    try:
        # Two app instances sharing Redis count against the same limit.
        async for first in api(settings):
            async for second in api(settings):
                for n in range(7):
                    response = await (first if n % 2 else second).post("/analytic/compute")
                    statuses.append(response.status_code)
                    if response.status_code == 429:
                        limited = response
    finally:
        drop_queue(settings)
    # 3 per window: at most 6 pass even if the calls straddle two windows.
    assert statuses.count(200) <= 6 and statuses.count(429) >= 1, statuses
    assert set(statuses) == {200, 429}, statuses
    body = limited.json()
    assert body["code"] == 429 and body["status"].startswith("Too many requests: at most 3 calls")
    assert 1 <= int(limited.headers["Retry-After"]) <= 3600


async def test_after_a_fan_out_asking_again_within_the_cool_down_queues_nothing(migrated):
    settings = isolated_settings(
        ANALYTICS_COMPUTE_RATE_LIMIT="0", ANALYTICS_COMPUTE_ALL_COOLDOWN="600"
    )
    key = f"{settings.redis_key_prefix}analytics:queued:{UPDATE_ANALYTICS}:all"
    redis = Redis.from_url(settings.broker_url)
    try:
        async for http in api(settings):
            assert (await http.post("/analytic/compute")).status_code == 200
            job_id = redis.get(key).decode()
            # The worker runs the queued fan-out (its own id): the marker stays for the cool-down.
            celery = create_celery(settings)
            ran = await asyncio.to_thread(
                celery.tasks[UPDATE_ANALYTICS].apply, args=(None,), task_id=job_id
            )
            assert ran.successful(), ran.traceback
            assert 0 < redis.ttl(key) <= 600
            before = waiting_jobs(settings)
            for _ in range(5):
                assert (await http.post("/analytic/compute")).status_code == 200
            assert waiting_jobs(settings) == before
            assert before[(UPDATE_ANALYTICS, "None")] == 1
    finally:
        redis.close()
        drop_queue(settings)
