"""Moves the logs of the per-project indices (`logging-<project>-<day>`) into `logging-<day>`.

Each old index is first made read-only (a writer still on the old layout is refused, not lost),
its documents are copied under the same ids (a re-run overwrites them: no duplicates), every id
is checked to be in the new index, and only then is the old index deleted. Only core APIs are
used (scroll, `_bulk`, count): no reindex module.
"""

from __future__ import annotations

import logging

from elasticsearch.helpers import async_scan

from analytics.migrations.manager import MigrationContext
from analytics.storage.bulk import Write, bulk_index

log = logging.getLogger("analytics.migrations.logs")
BATCH = 500


async def legacy_log_indices(ctx: MigrationContext) -> list[tuple[str, str]]:
    """(old index, the day it holds) for every per-project log index, in name order."""
    found = await ctx.es.indices.get(
        index=ctx.indices.logs, allow_no_indices=True, ignore_unavailable=True
    )
    out = []
    for name in sorted(found):
        match = ctx.indices.legacy_log_index(name)
        if match is not None:
            out.append((name, match.group("day")))
    return out


async def _copy_batch(ctx: MigrationContext, target: str, batch: list[Write]) -> None:
    errors = await bulk_index(ctx.es, batch)
    if errors:
        first = errors[0]
        raise RuntimeError(f"{len(errors)} documents refused by {target}: {first.reason}")


async def _check_copied(ctx: MigrationContext, target: str, ids: list[str]) -> None:
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        found = await ctx.es.count(index=target, query={"ids": {"values": chunk}})
        if found["count"] != len(chunk):
            raise RuntimeError(f"{target} holds {found['count']} of {len(chunk)} copied logs")


async def move_index(ctx: MigrationContext, source: str, day: str) -> int:
    """Copies one per-project index into its day's index, checks, deletes it; returns the count."""
    target = f"{ctx.indices.prefix}logging-{day}"
    await ctx.es.indices.put_settings(index=source, settings={"index.blocks.write": True})
    await ctx.es.indices.refresh(index=source)
    ids: list[str] = []
    batch: list[Write] = []
    async for hit in async_scan(
        ctx.es, index=source, query={"query": {"match_all": {}}}, size=BATCH, scroll="5m"
    ):
        batch.append(Write(target, hit["_id"], hit["_source"]))
        ids.append(hit["_id"])
        if len(batch) >= BATCH:
            await _copy_batch(ctx, target, batch)
            batch = []
    if batch:
        await _copy_batch(ctx, target, batch)
    expected = (await ctx.es.count(index=source))["count"]
    if expected != len(ids):
        raise RuntimeError(f"{source} holds {expected} logs, {len(ids)} were read")
    if ids:
        await ctx.es.indices.refresh(index=target)
        await _check_copied(ctx, target, ids)
    await ctx.es.indices.delete(index=source)
    log.info("moved %d logs from %s into %s", len(ids), source, target)
    return len(ids)


class LogsOneIndexPerDayMigration:
    number = 5
    name = "logs_one_index_per_day"

    async def apply(self, ctx: MigrationContext) -> None:
        for source, day in await legacy_log_indices(ctx):
            await move_index(ctx, source, day)
