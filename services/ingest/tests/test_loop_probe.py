"""The event-loop probe: a loop blocked by work is logged with its lag and the GC pauses."""

from __future__ import annotations

import asyncio
import gc
import logging
import time

import pytest
from ingest import loop_probe


class Lines(logging.Handler):
    """The probe's log lines, and an event set at the first."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.first = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())
        self.first.set()


async def test_a_blocked_loop_is_logged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loop_probe, "PROBE_WINDOW", 0.5)
    lines = Lines()
    logger = logging.getLogger("ingest.loop")
    logger.addHandler(lines)
    monkeypatch.setattr(logger, "level", logging.INFO)
    probe = asyncio.create_task(loop_probe.probe_loop())
    try:
        await asyncio.sleep(0.1)
        time.sleep(0.3)  # noqa: ASYNC251 -- the loop blocked on purpose: the probe wakes late
        gc.collect()
        await asyncio.wait_for(lines.first.wait(), 10)
    finally:
        probe.cancel()
        await asyncio.gather(probe, return_exceptions=True)
        logger.removeHandler(lines)
    message = lines.lines[0]
    assert message.startswith("event loop late: max ")
    assert int(message.split("max ")[1].split(" ms")[0]) >= 200
    assert "generation 2: 0)" not in message  # the full collection above, timed
    assert not [c for c in gc.callbacks if isinstance(c, loop_probe.GcPauses)]  # removed


def test_summary_is_max_and_p99() -> None:
    assert loop_probe.summary([float(n) for n in range(1, 101)]) == (100.0, 100.0)
    assert loop_probe.summary([1.0] * 199 + [500.0]) == (500.0, 1.0)
