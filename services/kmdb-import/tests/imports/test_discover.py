"""Discovery: probing revision files in windows, and each new file enqueued once."""

from __future__ import annotations

import asyncio
from typing import Any

from kmdb.db import connection
from kmdb.imports.discover import PROBE_WINDOW

T0 = 1_400_000_000


def one_line(revision: int) -> list[dict[str, Any]]:
    return [{"_p": f"p{revision}", "_t": T0 + revision, "_n": "Visited Site"}]


async def test_probing_stops_after_lookahead_misses_in_a_row(settings, conn, arq, export, kit: Any):
    url = export({r: one_line(r) for r in (140, 141, 143, 147)})
    started = await kit.enqueue(conn, arq, settings, url, min_revision=140, lookahead=3)
    # 144, 145 and 146 are three misses in a row: 147 is never reached.
    assert started.enqueued == [140, 141, 143]


async def test_gaps_wider_than_a_probe_window(settings, conn, arq, export, kit: Any):
    gap = PROBE_WINDOW + 5
    url = export({r: one_line(r) for r in (140, 140 + gap, 140 + 3 * gap)})
    started = await kit.enqueue(conn, arq, settings, url, min_revision=140, lookahead=gap + 1)
    assert started.enqueued == [140, 140 + gap]
    assert await kit.work(settings) == 0
    assert await kit.count(conn, "dumpfiles", "status = 'done'") == 2


async def test_two_imports_at_once_enqueue_each_file_once(settings, conn, arq, export, kit: Any):
    files = {r: one_line(r) for r in range(140, 180)}
    url = export(files)
    async with connection(settings) as other:
        first, second = await asyncio.gather(
            kit.enqueue(conn, arq, settings, url, min_revision=140),
            kit.enqueue(other, arq, settings, url, min_revision=140),
        )
    # Files are shared between them: the other may still resume one it saw queued before its
    # job was in Redis (a later generation, which the older job then yields to), so which import
    # names which file depends on timing. What may not depend on it: every file is imported once.
    assert set(first.enqueued + second.enqueued) <= set(files)
    assert await kit.work(settings) == 0
    assert await kit.count(conn, "dumpfiles", "status = 'done'") == len(files)
    assert await kit.count(conn, "events") == len(files)
