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


async def test_property_rows_escape_values_and_intern_only_imported_keys():
    lines = [
        {"_p": "a", "_t": 1, "_n": "x", "off": "50%", "tab": "a\tb\\c", "gone": None},
        {"_p": "a", "_t": 2, "_private": "1", "secret": "s", "n": 3, "flag": True},
        {"_p": "b", "_t": 3, "off": "10%", "list": [1, "%"]},
    ]
    filters = Filters(blacklisted_properties=frozenset({"secret"}))
    batches = [b async for b in Batcher(140, 100, filters).batches(groups(lines), 1, 0)]
    assert len(batches) == 1
    batch = batches[0]
    # Rows carry `%s` where the user id goes: every `%` of a value is doubled.
    rows = ("".join(batch.properties) % tuple(range(len(batch.property_persons)))).splitlines()
    values = [(row.split("\t")[3], row.split("\t")[4]) for row in rows]
    assert values == [
        ("50%", "0"),
        ("a\\tb\\\\c", "1"),
        ("3", "2"),
        ("true", "3"),
        ("10%", "4"),
        ('[1,"%"]', "5"),
    ]
    assert batch.property_persons == ["a", "a", "a", "a", "b", "b"]
    # A key is interned with its first row: not for a null value, a filtered or `_` name.
    assert sorted(batch.keys.values()) == ["flag", "list", "n", "off", "tab", "x"]
