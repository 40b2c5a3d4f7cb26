"""ingest's app: clients born in the lifespan, background workers, readiness on each engine."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from meridian_kit.app import create_service_app
from meridian_kit.settings import load_settings

from ingest.agent import endpoints as commands_endpoints
from ingest.agent import verify, websocket
from ingest.alerts import endpoints as alerts_endpoints
from ingest.buckets import endpoints as admin_endpoints
from ingest.context import Ingest, build
from ingest.intake import endpoints as push_endpoints
from ingest.intake.bulk_writer import BulkWriter
from ingest.intake.observer import Observer
from ingest.live import endpoints as live_endpoints
from ingest.outages import install_outage_handlers
from ingest.query import endpoints as query_endpoints
from ingest.settings import Settings
from ingest.storage.retention import retention_loop
from ingest.stream_queue import StreamQueue

log = logging.getLogger("ingest")


async def until_done(what: str, step: Callable[[], Awaitable[object]]) -> None:
    """Retries a setup step until its engine answers (engines may start after us)."""
    delay = 0.5
    while True:
        try:
            await step()
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("%s failed (%s); retrying in %.1fs", what, exc, delay)
            await asyncio.sleep(delay)
            delay = min(10.0, delay * 2)


async def write_after_setup(ready: asyncio.Event, writer: BulkWriter) -> None:
    """A bulk writer starts once the index templates are in place."""
    await ready.wait()
    await writer.run()


def background_tasks(ingest: Ingest) -> list[asyncio.Task[None]]:
    """Starts the workers every instance runs."""
    settings = ingest.settings
    templates_ready = asyncio.Event()

    async def setup_elasticsearch() -> None:
        await until_done("index templates", ingest.indices.put_templates)
        templates_ready.set()

    async def setup_mongo() -> None:
        await until_done("bucket indexes", ingest.buckets.store.ensure_indexes)
        await until_done("rule indexes", ingest.rules.ensure_indexes)

    coroutines: list[Awaitable[None]] = [
        setup_elasticsearch(),
        setup_mongo(),
        ingest.commands.listen(),
        ingest.mailer.run(),
        retention_loop(
            indices=ingest.indices,
            store=ingest.buckets.store,
            redis=ingest.redis,
            lock_key=ingest.keys.retention_lock,
            interval=settings.retention_interval,
        ),
    ]
    for n in range(settings.bulk_writers):
        writer = BulkWriter(
            es=ingest.es,
            stream=ingest.stream,
            indices=ingest.indices,
            consumer=f"{ingest.instance}-{n}",
            batch_entries=settings.bulk_entries,
            batch_docs=settings.bulk_docs,
            claim_idle_ms=settings.claim_idle_ms,
            stats=ingest.writer_stats,
        )
        coroutines.append(write_after_setup(templates_ready, writer))
    observer = Observer(
        queue=StreamQueue(ingest.redis, ingest.keys.observe, ingest.keys.observe_group),
        consumer=ingest.instance,
        alerts=ingest.alerts,
        forwarder=ingest.forwarder,
        claim_idle_ms=settings.claim_idle_ms,
    )
    coroutines.append(observer.run())
    if ingest.forwarder is not None:
        coroutines.append(ingest.forwarder.run())
    return [asyncio.create_task(c) for c in coroutines]  # type: ignore[arg-type]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Builds the ingest app."""
    settings = settings or load_settings("ingest", Settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ingest = build(settings)
        app.state.ingest = ingest
        ingest.commands.deliver = ingest.sessions.deliver
        ingest.commands.disconnect = ingest.sessions.disconnect
        app.state.readiness.add("elasticsearch", lambda: ingest.es.search(size=0))
        app.state.readiness.add("mongodb", lambda: ingest.mongo.admin.command("ping"))
        app.state.readiness.add("redis", ingest.redis.ping)
        tasks = background_tasks(ingest)
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(BaseException):
                    await task
            await ingest.es.close()
            await ingest.mongo.close()
            await ingest.redis.aclose()

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
    install_outage_handlers(app)
    return app
