"""The event-loop probe: a loop blocked by work is logged with its lag, quiet ones are not."""

from __future__ import annotations

import asyncio
import gc
import logging
import time

import pytest
from ingest import loop_probe


async def test_a_blocked_loop_is_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(loop_probe, "PROBE_WINDOW", 0.5)
    caplog.set_level(logging.INFO, logger="ingest.loop")
    probe = asyncio.create_task(loop_probe.probe_loop())
    try:
        await asyncio.sleep(0.1)
        time.sleep(0.3)  # the loop blocked: the probe wakes ~250 ms late
        gc.collect()
        deadline = time.monotonic() + 10
        while not caplog.records and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
    finally:
        probe.cancel()
        await asyncio.gather(probe, return_exceptions=True)
    assert caplog.records, "no line for a loop blocked 300 ms"
    message = caplog.records[0].getMessage()
    assert message.startswith("event loop late: max ")
    assert int(message.split("max ")[1].split(" ms")[0]) >= 200
    assert "generation 2: 1" in message  # the full collection above, timed
    assert loop_probe.GcPauses not in [type(c) for c in gc.callbacks]  # removed when cancelled


def test_summary_is_max_and_p99() -> None:
    assert loop_probe.summary([float(n) for n in range(1, 101)]) == (100.0, 100.0)
    assert loop_probe.summary([1.0] * 199 + [500.0]) == (500.0, 1.0)
