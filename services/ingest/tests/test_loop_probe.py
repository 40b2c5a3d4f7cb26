"""The event-loop probe: a loop blocked by work is logged with its lag and the GC pauses."""

from __future__ import annotations

import asyncio
import gc
import logging
import time

import pytest
from ingest import loop_probe


class Lines(logging.Handler):
    """The probe's log lines, and an event set at the first showing the blocked loop (other tests'
    apps in this process may run probes of their own, logging to the same logger)."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.blocked = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        self.lines.append(message)
        if (
            int(message.split("max ")[1].split(" ms")[0]) >= 200
            and "generation 2: 0)" not in message
        ):
            self.blocked.set()


async def test_a_blocked_loop_is_logged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loop_probe, "PROBE_WINDOW", 0.5)
    lines = Lines()
    logger = logging.getLogger("ingest.loop")
    logger.addHandler(lines)
    # setLevel, not the attribute: it also clears the loggers' cached isEnabledFor answers (an
    # earlier test's probe in this process may have cached "INFO off" for this logger).
    level = logger.level
    logger.setLevel(logging.INFO)

    def probes() -> int:  # other tests' apps may run their own probe meanwhile
        return sum(isinstance(c, loop_probe.GcPauses) for c in gc.callbacks)

    before = probes()
    probe = asyncio.create_task(loop_probe.probe_loop())
    try:
        await asyncio.sleep(0.1)
        time.sleep(0.3)  # noqa: ASYNC251 -- the loop blocked on purpose: the probe wakes late
        gc.collect()
        await asyncio.wait_for(lines.blocked.wait(), 10)
    finally:
        probe.cancel()
        await asyncio.gather(probe, return_exceptions=True)
        logger.removeHandler(lines)
        logger.setLevel(level)
    assert all(line.startswith("event loop late: max ") for line in lines.lines)
    assert probes() == before  # its GC callback removed when cancelled


def test_summary_is_max_and_p99() -> None:
    assert loop_probe.summary([float(n) for n in range(1, 101)]) == (100.0, 100.0)
    assert loop_probe.summary([1.0] * 199 + [500.0]) == (500.0, 1.0)
