"""`kmdb-work -n N`: N worker processes, signals forwarded to them, optional progress bars."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Coroutine
from typing import Any

from kmdb.queue.worker import run_worker
from kmdb.settings import Settings

# Draws progress until its argument (are the workers running?) turns false.
Watcher = Callable[[Callable[[], bool]], Coroutine[Any, Any, None]]


def _child(settings: Settings, burst: bool, setup: Callable[[], None]) -> None:
    setup()
    sys.exit(1 if run_worker(settings, burst) else 0)


def run_children(
    settings: Settings,
    count: int,
    burst: bool,
    *,
    setup: Callable[[], None],
    watch: Watcher | None = None,
) -> int:
    """Runs `count` worker processes (each calls `setup` first); the highest exit code wins."""
    ctx = multiprocessing.get_context("spawn")
    children = [ctx.Process(target=_child, args=(settings, burst, setup)) for _ in range(count)]
    for child in children:
        child.start()

    def forward(signum: int, _: object) -> None:
        for child in children:
            if child.is_alive() and child.pid:
                os.kill(child.pid, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    if watch is not None:

        def running() -> bool:
            return any(c.is_alive() for c in children)

        threading.Thread(target=lambda: asyncio.run(watch(running)), daemon=True).start()
    for child in children:
        child.join()
    return max((child.exitcode or 0) for child in children)
