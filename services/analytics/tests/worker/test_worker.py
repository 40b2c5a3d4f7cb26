"""The real `analytics-worker` process: on-demand computation, retry after a failure, schedule."""

from __future__ import annotations

import asyncio
import subprocess
import sys

from analytics.analytic.descriptors import parse_descriptor
from analytics.analytic.timewindow import bounds
from analytics.worker.celery_app import create_celery
from analytics.worker.jobs import due_analytics
from analytics_dataset import PROJECT, expected_count
from analytics_polling import eventually
from analytics_run import child_env
from celery.result import AsyncResult

FIXED_DONE = {
    "type": "fixed",
    "start": "2024-03-05T00:00:00+00:00",
    "end": "2024-03-15T00:00:00+00:00",
}
FIXED_OPEN = {
    "type": "fixed",
    "start": "2024-03-05T00:00:00+00:00",
    "end": "2999-01-01T00:00:00+00:00",
}


def count(metric: str, timespan: dict) -> dict:
    return {
        "type": "count",
        "timespan": timespan,
        "project": PROJECT,
        "dimension": "user",
        "metric": metric,
    }


async def _result(client, analytic_id):
    return (await client.get("/analytic", params={"id": analytic_id})).json()["result"]


async def test_compute_on_demand_stores_the_result(client, dataset, worker):
    analytic_id = (await client.post("/analytic", json=count("active", FIXED_DONE))).json()["id"]
    assert (await client.post("/analytic/compute", params={"id": analytic_id})).json() == {}
    result = await eventually(lambda: _result(client, analytic_id))
    start, end = bounds(parse_descriptor(count("active", FIXED_DONE)).timespan)
    assert result["type"] == "count"
    assert result["count"] == expected_count(dataset, PROJECT, start, end, "user", "active")
    assert result["fromDt"] == start.isoformat() and result["toDt"] == end.isoformat()


async def test_a_failing_job_is_retried_until_it_succeeds(client, es, settings, dataset, worker):
    analytic_id = (await client.post("/analytic", json=count("engaged", FIXED_DONE))).json()["id"]
    index = (
        await es.search(
            index=f"{settings.index_prefix}analytic-*", query={"ids": {"values": [analytic_id]}}
        )
    )["hits"]["hits"][0]["_index"]
    # A real failure: Elasticsearch refuses to write the result while the index is write-blocked.
    await es.indices.put_settings(index=index, settings={"index.blocks.write": True})
    celery = create_celery(settings)
    try:
        job = celery.send_task(
            "analytics.update_analytic", args=[analytic_id], queue=settings.queue
        )
        retried = await eventually(
            lambda: asyncio.to_thread(lambda: AsyncResult(job.id, app=celery).state == "RETRY")
        )
        assert retried, "the job never failed and went to retry"
        assert await _result(client, analytic_id) is None
    finally:
        await es.indices.put_settings(index=index, settings={"index.blocks.write": False})
    result = await eventually(lambda: _result(client, analytic_id))
    assert result["count"] == expected_count(
        dataset,
        PROJECT,
        *bounds(parse_descriptor(count("engaged", FIXED_DONE)).timespan),
        "user",
        "engaged",
    )
    final = await asyncio.to_thread(lambda: AsyncResult(job.id, app=celery).get(timeout=30))
    assert final["id"] == analytic_id and final["result"]["count"] == result["count"]
    meta = await asyncio.to_thread(lambda: AsyncResult(job.id, app=celery).state)
    assert meta == "SUCCESS"


async def test_compute_by_window_type_and_the_daily_selection(client, dataset, worker, settings):
    moving = (
        await client.post("/analytic", json=count("total", {"type": "moving", "value": "all"}))
    ).json()["id"]
    open_fixed = (await client.post("/analytic", json=count("new", FIXED_OPEN))).json()["id"]
    done_fixed = (await client.post("/analytic", json=count("total", FIXED_DONE))).json()["id"]
    assert (
        await client.post("/analytic/compute", params={"timeWindowType": "moving"})
    ).json() == {}
    assert (await eventually(lambda: _result(client, moving)))["type"] == "count"
    assert (await client.post("/analytic/compute", params={"timeWindowType": "fixed"})).json() == {}
    assert await eventually(lambda: _result(client, done_fixed))
    assert await eventually(lambda: _result(client, open_fixed))
    # The daily run: every moving window, and the fixed ones not over when last computed.
    due = await due_analytics(settings, None, only_due=True)
    assert moving in due and open_fixed in due and done_fixed not in due
    assert set(await due_analytics(settings, "fixed")) >= {open_fixed, done_fixed}


async def test_the_schedule_runs_the_daily_update_at_four(settings):
    celery = create_celery(settings)
    entry = celery.conf.beat_schedule["daily-analytics-update"]
    assert entry["task"] == "analytics.update_analytics" and entry["args"] == (None, True)
    assert entry["schedule"].hour == {4} and entry["schedule"].minute == {0}


async def test_the_scheduler_process_starts_with_the_daily_entry(tmp_path):
    schedule = tmp_path / "beat-schedule"
    log = tmp_path / "beat.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: ASYNC220
            [
                sys.executable,
                "-c",
                "from analytics.worker.cli import scheduler_main; scheduler_main()",
                "--schedule-file",
                str(schedule),
                "--loglevel",
                "DEBUG",
            ],
            env=child_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            started = await eventually(
                lambda: asyncio.to_thread(
                    lambda: "daily-analytics-update" in log.read_text(errors="replace")
                )
            )
            assert started, log.read_text(errors="replace")[-2000:]
            assert process.poll() is None
        finally:
            process.terminate()
            process.wait(timeout=20)
