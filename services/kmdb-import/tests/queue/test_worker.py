"""The worker loop: the next job is taken when the current one ends, not at the next poll."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from kmdb.queue.worker import build_worker

T0 = 1_400_000_000


async def until(condition: Callable[[], bool]) -> None:
    """Waits until a running worker's counters say so (pytest-timeout bounds a hang)."""
    while not condition():  # noqa: ASYNC110 - the counters belong to another task
        await asyncio.sleep(0.02)


async def test_next_file_taken_as_soon_as_one_ends(settings, conn, arq, export, kit: Any):
    files = {
        revision: [
            {"_p": f"p{revision}", "_t": T0 + revision, "_n": "Visited Site"},
            {"_p": f"p{revision}", "_t": T0 + revision, "plan": "gold"},
        ]
        for revision in range(140, 160)
    }
    started = await kit.enqueue(conn, arq, settings, export(files))
    assert started.enqueued == list(range(140, 160))
    worker = build_worker(settings, burst=True, handle_signals=False)
    # An idle wait would take an hour: the test would time out rather than pass by luck.
    worker.idle_poll = 3600
    try:
        await worker.async_run()
    finally:
        await worker.close()
    assert (worker.jobs_complete, worker.jobs_failed, worker.idle_polls) == (20, 0, 0)
    assert await kit.count(conn, "dumpfiles", "status = 'done'") == 20
    assert await kit.count(conn, "events") == 20
    assert await kit.count(conn, "properties") == 20


async def test_idle_worker_takes_a_job_enqueued_later(settings, conn, arq, export, kit: Any):
    worker = build_worker(settings, burst=False, handle_signals=False)
    worker.idle_poll = 0.05
    running = asyncio.create_task(worker.async_run())
    try:
        await until(lambda: worker.idle_polls >= 2)
        url = export({140: [{"_p": "late", "_t": T0, "_n": "Signed Up"}]})
        assert (await kit.enqueue(conn, arq, settings, url)).enqueued == [140]
        # arq counts a job complete before it stores the job's result: close() would cancel
        # that write (a CancelledError out of close under load), so wait for the task's end.
        await until(
            lambda: worker.jobs_complete == 1 and all(t.done() for t in worker.tasks.values())
        )
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await worker.close()
    assert await kit.count(conn, "events") == 1


async def test_files_started_together_are_read_in_queue_order(
    settings, conn, arq, export, kit: Any, caplog: pytest.LogCaptureFixture
):
    # Two jobs start at once (the pipeline); which one reaches the first pass first was a race:
    # a later file resolved first makes the earlier file's aliases re-point more rows.
    files = {
        revision: [{"_p": f"p{revision}", "_t": T0 + revision, "_n": "Visited Site"}]
        for revision in range(140, 146)
    }
    assert (await kit.enqueue(conn, arq, settings, export(files))).enqueued == list(files)
    worker = build_worker(settings, burst=True, handle_signals=False)
    try:
        with caplog.at_level("DEBUG", logger="kmdb.importer"):
            await worker.async_run()
    finally:
        await worker.close()
    assert (worker.jobs_complete, worker.jobs_failed) == (6, 0)
    read = [
        r.args[0]
        for r in caplog.records
        if r.name == "kmdb.importer" and "resolving its people" in r.getMessage()
    ]
    assert read == list(files)
