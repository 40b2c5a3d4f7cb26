"""ingest's app: clients born in the lifespan, background workers, readiness on each engine."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from meridian_kit.app import create_service_app
from meridian_kit.operator_tokens import check_public_key_env
from meridian_kit.settings import load_settings

from ingest.agent import endpoints as commands_endpoints
from ingest.agent import verify, websocket
from ingest.alerts import endpoints as alerts_endpoints
from ingest.buckets import endpoints as admin_endpoints
from ingest.intake import endpoints as push_endpoints
from ingest.live import endpoints as live_endpoints
from ingest.loop_probe import probe_loop
from ingest.outages import answer_engine_outages
from ingest.query import endpoints as query_endpoints
from ingest.settings import Settings
from ingest.state import State
from ingest.storage.retention import retention_loop
from ingest.workers import (
    QUIET_CLIENT_LOGGERS,
    WorkerProcesses,
    consumers,
    put_templates,
    until_done,
)

log = logging.getLogger("ingest")


def background_tasks(
    state: State, workers: WorkerProcesses | None = None
) -> list[asyncio.Task[None]]:
    """Starts the workers every instance runs; the stream consumers in `workers`' processes when
    given, else in this one."""
    settings = state.settings

    async def setup_mongo() -> None:
        await until_done("bucket indexes", state.buckets.store.ensure_indexes)
        await until_done("rule indexes", state.rules.ensure_indexes)

    coroutines: list[Awaitable[None]] = [
        setup_mongo(),
        probe_loop(),
        state.commands.listen(),
        state.mailer.run(),
        retention_loop(
            indices=state.indices,
            store=state.buckets.store,
            redis=state.redis,
            lock_key=state.keys.retention_lock,
            interval=settings.retention_interval,
        ),
    ]
    if workers is not None:
        coroutines.append(workers.run())
    else:
        templates_ready = asyncio.Event()
        coroutines += [put_templates(state, templates_ready), *consumers(state, templates_ready)]
    return [asyncio.create_task(c) for c in coroutines]  # type: ignore[arg-type]


async def stop(tasks: list[asyncio.Task[None]]) -> None:
    """Cancels the workers and waits for them; one that had failed is logged."""
    for task in tasks:
        task.cancel()
    for outcome in await asyncio.gather(*tasks, return_exceptions=True):
        if isinstance(outcome, Exception):
            log.error("background task had failed: %r", outcome)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Builds the ingest app."""
    settings = settings or load_settings("ingest", Settings)
    for name in QUIET_CLIENT_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[State]:
        check_public_key_env()  # one error line for a malformed operators' key
        state = State.build(settings)
        app.state.readiness.add("elasticsearch", lambda: state.es.search(size=0))
        app.state.readiness.add("mongodb", lambda: state.mongo.admin.command("ping"))
        app.state.readiness.add("redis", state.redis.ping)
        workers = WorkerProcesses(settings) if settings.worker_processes else None
        app.state.workers = workers  # for tests and benchmarks: the children's pids
        tasks = background_tasks(state, workers)
        try:
            yield state
        finally:
            await stop(tasks)
            await state.close()

    app = create_service_app(
        "ingest",
        description="Keymetrics-compatible ingestion for PM2 agents.",
        lifespan=lifespan,
        routers=[
            verify.router,
            websocket.router,
            push_endpoints.router,
            commands_endpoints.router,
            query_endpoints.router,
            live_endpoints.router,
            admin_endpoints.router,
            alerts_endpoints.router,
        ],
        raw_json_paths=[verify.PATH],
    )
    answer_engine_outages(app)
    return app
