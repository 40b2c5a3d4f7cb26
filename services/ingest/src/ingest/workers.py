"""The stream consumers (bulk writers, observer, forwarder) in processes of their own.

With 1,000 agents one ingest process is CPU-bound on a shared machine: the websockets' frames and
the consumers share its one event loop, the operating system gives that one thread its share of a
core, and the bulk writers fell behind (the intake backlog grew ~700 entries/s while Elasticsearch
used under a tenth of a core; bench/RESULTS.md, ingest agents). With INGEST_WORKER_PROCESSES = N
(default 2) the web process accepts frames and the consumers run in N child processes, each its
own consumer of the same Redis consumer groups, exactly as another instance's would be: nothing
about delivery changes (entries are acknowledged once handled; a dead child's are claimed after
INGEST_CLAIM_IDLE_MS). 0 keeps them in the web process.

A child gets the settings on its stdin, dies with its parent (PR_SET_PDEATHSIG), is started again
by the parent if it exits and runs INGEST_WORKER_NICE (default 10) below the web process's CPU
priority: on a machine short of cores, reading the agents' frames cannot wait, indexing can (the
intake stream is durable and bounded).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from meridian_kit.logs import configure_logging
from meridian_kit.server import tune_gc

from ingest.intake.bulk_writer import BulkWriter
from ingest.intake.observer import Observer
from ingest.settings import Settings
from ingest.state import State
from ingest.stream_queue import StreamQueue

log = logging.getLogger("ingest.workers")

# The clients' own line per request (every `_bulk`, every forwarded batch: hundreds a second with
# 1,000 agents, ~2% of ingest's CPU in log formatting); their warnings and errors still show.
QUIET_CLIENT_LOGGERS = ("elastic_transport.transport", "httpx")
RESTART_DELAY = 1.0  # seconds before a child that exited is started again
STOP_WAIT = 10.0  # seconds a child gets to finish after SIGTERM


async def write_after_setup(ready: asyncio.Event, writer: BulkWriter) -> None:
    """A bulk writer starts once the index templates are in place."""
    await ready.wait()
    await writer.run()


Job = Coroutine[Any, Any, None]


def consumers(state: State, templates_ready: asyncio.Event, *, observe: bool = True) -> list[Job]:
    """The bulk writers of one process, with the observer and the forwarder when `observe` (one
    observer per instance reads the observe stream in order)."""
    settings = state.settings
    out: list[Job] = []
    for n in range(settings.bulk_writers):
        writer = BulkWriter(
            es=state.es,
            stream=state.stream,
            indices=state.indices,
            consumer=f"{state.instance}-{n}",
            batch_entries=settings.bulk_entries,
            batch_docs=settings.bulk_docs,
            claim_idle_ms=settings.claim_idle_ms,
            stats=state.writer_stats,
        )
        out.append(write_after_setup(templates_ready, writer))
    if not observe:
        return out
    observer = Observer(
        queue=StreamQueue(state.redis, state.keys.observe, state.keys.observe_group),
        consumer=state.instance,
        alerts=state.alerts,
        forwarder=state.forwarder,
        claim_idle_ms=settings.claim_idle_ms,
    )
    out.append(observer.run())
    if state.forwarder is not None:
        out.append(state.forwarder.run())
    return out


async def until_done(what: str, step: Callable[[], Awaitable[object]]) -> None:
    """Retries a setup step until its engine answers (engines may start after us)."""
    delay = 0.5
    while True:
        try:
            await step()
            return
        except Exception as exc:
            log.warning("%s failed (%s); retrying in %.1fs", what, exc, delay)
            await asyncio.sleep(delay)
            delay = min(10.0, delay * 2)


async def put_templates(state: State, ready: asyncio.Event) -> None:
    """Installs the index templates (retrying until Elasticsearch answers), then sets `ready`:
    in every process that runs bulk writers."""
    await until_done("index templates", state.indices.put_templates)
    ready.set()


class WorkerProcesses:
    """Runs INGEST_WORKER_PROCESSES children of the consumers; starts one again when it exits."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.children: list[subprocess.Popen[bytes] | None] = [None] * settings.worker_processes
        self.started = 0  # children started so far, restarts included

    def _start(self, n: int) -> subprocess.Popen[bytes]:
        child = subprocess.Popen(
            [sys.executable, "-m", "ingest.workers", str(os.getpid()), str(n)],
            stdin=subprocess.PIPE,
        )
        assert child.stdin is not None
        child.stdin.write(self.settings.model_dump_json().encode())
        child.stdin.close()
        self.started += 1
        return child

    async def run(self) -> None:
        """Keeps every child running until cancelled, then stops them."""
        try:
            while True:
                for n, child in enumerate(self.children):
                    if child is not None and child.poll() is None:
                        continue
                    if child is not None:
                        log.warning(
                            "worker process %d exited (%s): starting it again", n, child.returncode
                        )
                    self.children[n] = self._start(n)
                await asyncio.sleep(RESTART_DELAY)
        finally:
            await asyncio.shield(self.stop())

    async def stop(self) -> None:
        """SIGTERM to every child, SIGKILL to those still running after STOP_WAIT."""
        running = [c for c in self.children if c is not None and c.poll() is None]
        for child in running:
            child.terminate()
        for child in running:
            try:
                await asyncio.to_thread(child.wait, STOP_WAIT)
            except subprocess.TimeoutExpired:
                child.kill()
                await asyncio.to_thread(child.wait)

    def pids(self) -> list[int]:
        """The running children's process ids."""
        return [c.pid for c in self.children if c is not None and c.poll() is None]


def die_with_parent(parent: int) -> None:
    """SIGTERM when the parent dies (Linux); exits now if it is already gone."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        sys.exit(0)


async def serve(settings: Settings, n: int = 0) -> None:
    """Child `n`'s life: the consumers until SIGTERM, then the clients closed. Child 0 runs the
    observer and the forwarder beside its bulk writers; the others only bulk writers."""
    state = State.build(settings)
    main = asyncio.current_task()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, main.cancel if main else (lambda: None))
    ready = asyncio.Event()
    jobs = [put_templates(state, ready), *consumers(state, ready, observe=n == 0)]
    tasks = [asyncio.create_task(job) for job in jobs]
    try:
        await asyncio.gather(*tasks)
    except asyncio.CancelledError:
        pass
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await state.close()


def main() -> None:
    """`python -m ingest.workers <parent pid> <n>`, the settings as JSON on stdin."""
    die_with_parent(int(sys.argv[1]))
    configure_logging("ingest-workers")
    for name in QUIET_CLIENT_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    tune_gc()
    settings = Settings(**json.loads(sys.stdin.read()))
    if settings.worker_nice:
        os.nice(settings.worker_nice)
    asyncio.run(serve(settings, int(sys.argv[2]) if len(sys.argv) > 2 else 0))


if __name__ == "__main__":
    main()
