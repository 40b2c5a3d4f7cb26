"""Batches: about KMDB_BATCH_SIZE lines, never splitting the lines of one second."""

from __future__ import annotations

import json

from kmdb.importer.batches import Batcher, Filters


async def groups(lines):
    yield [json.dumps(x).encode() for x in lines], True


async def test_one_second_is_never_split():
    times = [1, 1, 1, 2, 2, 2, 2, 2, 3, 4, 4, 5]
    lines = [{"_p": "a", "_t": t, "_n": "x"} for t in times]
    batcher = Batcher(140, batch_size=2, filters=Filters())
    batches = [b async for b in batcher.batches(groups(lines), 1, 0)]
    spans = [(b.first_line, b.last_line) for b in batches]
    assert spans == [(1, 3), (4, 8), (9, 11), (12, 12)]
    for b in batches:
        seconds = {row.split("\t")[1] for row in b.events}
        for other in batches:
            if other is not b:
                assert seconds.isdisjoint({row.split("\t")[1] for row in other.events})
    assert sum(len(b.events) for b in batches) == len(lines)
    assert batches[-1].end_offset == sum(len(json.dumps(x)) + 1 for x in lines)
