"""How late the web process's event loop runs: a probe for "accept latency" under load.

A task sleeps PROBE_SLEEP and records how late it wakes; the garbage collector's pauses are timed
through `gc.callbacks`. Every PROBE_WINDOW seconds, when the loop woke later than LATE_MS at least
once, one log line says by how much (max, p99), how much CPU the loop's thread used meanwhile and
how long it was runnable but waiting for a core (/proc/thread-self/schedstat): a loop late while
its thread waited for a core is the machine's CPU, late while it ran is work on the loop itself
(or a GC pause, counted beside it).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from typing import Any

log = logging.getLogger("ingest.loop")

PROBE_SLEEP = 0.05  # seconds the probe sleeps
PROBE_WINDOW = 5.0  # seconds per summary
LATE_MS = 100.0  # a window is logged only when the loop woke at least this late in it


def run_queue_wait_s() -> float:
    """Seconds this thread has spent runnable but waiting for a core (0 where unknown)."""
    try:
        with open("/proc/thread-self/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


class GcPauses:
    """The collector's pauses in this process, by generation, since the last take()."""

    def __init__(self) -> None:
        self._start = 0.0
        self.pauses: list[tuple[int, float]] = []

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        elif self._start:
            self.pauses.append((int(info.get("generation", 0)), time.perf_counter() - self._start))
            self._start = 0.0

    def take(self) -> list[tuple[int, float]]:
        out, self.pauses = self.pauses, []
        return out


def summary(lags_ms: list[float]) -> tuple[float, float]:
    """(max, p99) of a window's lags in ms."""
    ordered = sorted(lags_ms)
    return ordered[-1], ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def probe_loop() -> None:
    """Runs until cancelled; logs a window's lag when it was late."""
    pauses = GcPauses()
    gc.callbacks.append(pauses)
    try:
        while True:
            lags: list[float] = []
            cpu0, wait0 = time.thread_time(), run_queue_wait_s()
            window_end = time.monotonic() + PROBE_WINDOW
            while time.monotonic() < window_end:
                before = time.monotonic()
                await asyncio.sleep(PROBE_SLEEP)
                lags.append((time.monotonic() - before - PROBE_SLEEP) * 1000)
            gcs = pauses.take()
            worst, p99 = summary(lags)
            if worst < LATE_MS:
                continue
            log.info(
                "event loop late: max %.0f ms, p99 %.0f ms over %g s; its thread ran %.2f s "
                "and waited for a core %.2f s; gc %d pauses, %.0f ms in all, longest %.0f ms "
                "(generation 2: %d)",
                worst,
                p99,
                PROBE_WINDOW,
                time.thread_time() - cpu0,
                run_queue_wait_s() - wait0,
                len(gcs),
                sum(d for _, d in gcs) * 1000,
                max((d for _, d in gcs), default=0.0) * 1000,
                sum(1 for g, _ in gcs if g == 2),
            )
    finally:
        gc.callbacks.remove(pauses)
