"""INGEST_WORKER_PROCESSES: the stream consumers in child processes, each started again when it
dies, stopped with the app — and what was accepted is indexed through them."""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from ingest.app import create_app
from ingest.settings import Settings

STATUS = {"data": {"process": [{"name": "api", "pm_id": 0, "cpu": 4, "memory": 9}]}}


def alive(pid: int) -> bool:
    """The process runs (a zombie, exited but not yet reaped, does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


async def until(what: str, check: Any, within: float = 60.0) -> Any:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if value := await check():
            return value
        await asyncio.sleep(0.2)
    raise AssertionError(f"{what} not within {within:g} s")


async def test_consumers_run_in_child_processes_restarted_when_one_dies(
    settings: Settings, remove_run: Any
) -> None:
    run = uuid.uuid4().hex[:6]
    own = settings.model_copy(
        update={
            "worker_processes": 2,
            "worker_nice": 7,
            "index_prefix": f"kmw{run}",
            "redis_prefix": f"ingest-workers-{run}",
            "mongo_database": f"ingest_workers_{run}",
        }
    )
    app = create_app(own)
    admin = {"Authorization": f"Bearer {own.admin_token}"}
    try:
        async with app.router.lifespan_context(app):
            workers = app.state.workers
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://ingest", timeout=30
            ) as client:
                made = await client.post("/api/admin/buckets", headers=admin, json={"name": run})
                assert made.status_code == 201, made.text
                bucket = made.json()
                keys = {
                    "X-KM-PUBLIC": bucket["public_key"],
                    "X-KM-SECRET": bucket["secret_key"],
                    "X-KM-SERVER": "w-1",
                }
                es = app.state.service.es
                index = f"{own.index_prefix}-status-{bucket['id']}-*"

                async def indexed(count: int) -> Any:
                    await es.indices.refresh(index=index, ignore_unavailable=True)
                    found = await es.count(index=index, ignore_unavailable=True)
                    return found["count"] >= count

                async def push() -> None:
                    frames = [{"channel": "status", "payload": STATUS}]
                    answer = await client.post("/api/push", headers=keys, json=frames)
                    assert answer.status_code == 202, answer.text

                children = await until(
                    "two worker processes", lambda: asyncio.sleep(0, len(workers.pids()) == 2)
                )
                first, other = workers.pids()
                assert children and os.getpid() not in (first, other)
                nice = min(19, os.getpriority(os.PRIO_PROCESS, 0) + 7)
                await until(
                    "the worker processes at INGEST_WORKER_NICE",
                    lambda: asyncio.sleep(
                        0, all(os.getpriority(os.PRIO_PROCESS, p) == nice for p in (first, other))
                    ),
                )
                await push()
                await until("the status indexed by the child", lambda: indexed(1))
                os.kill(first, signal.SIGKILL)
                (second,) = await until(
                    "the worker process started again",
                    lambda: asyncio.sleep(
                        0, [p for p in workers.pids() if p not in (first, other)]
                    ),
                )
                await push()
                await until("the next status indexed by the new child", lambda: indexed(2))
                await client.delete(f"/api/admin/buckets/{bucket['id']}", headers=admin)
        assert not alive(second) and not alive(other), "a worker process outlived the app"
    finally:
        await remove_run(own)
