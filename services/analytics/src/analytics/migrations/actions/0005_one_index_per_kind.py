"""Moves the documents of the older layouts into the one index of each kind.

`message-<day>`, `analytic-<day>`, `logging-<project>-<day>` (and `logging-<day>`) go into
`message-all`, `analytic-all` and `logging-all`. Each old index is first made read-only (a writer
still on the old layout is refused, not lost), its documents are copied under the same ids in
`_bulk` batches (a re-run overwrites them: no duplicates), every copied id is counted in the new
index, and only then is the old index deleted; an interrupted run is finished by the next one.
Only core APIs are used (scroll, `_bulk`, count): no reindex module.
"""

from __future__ import annotations

import logging

from elasticsearch.helpers import async_scan

from analytics.migrations.manager import MigrationContext
from analytics.storage.bulk import Write, bulk_index

log = logging.getLogger("analytics.migrations.one_index_per_kind")
BATCH = 500


async def older_indices(ctx: MigrationContext) -> list[tuple[str, str]]:
    """(old index, the index its documents go to) for every index of an older layout."""
    out = []
    for pattern, target in ctx.indices.current().items():
        found = await ctx.es.indices.get(
            index=pattern, allow_no_indices=True, ignore_unavailable=True
        )
        out += [(name, target) for name in sorted(found) if name != target]
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
            raise RuntimeError(f"{target} holds {found['count']} of {len(chunk)} copied documents")


async def move_index(ctx: MigrationContext, source: str, target: str) -> int:
    """Copies one old index into the target, checks every id, deletes it; returns the count."""
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
        raise RuntimeError(f"{source} holds {expected} documents, {len(ids)} were read")
    if ids:
        await ctx.es.indices.refresh(index=target)
        await _check_copied(ctx, target, ids)
    await ctx.es.indices.delete(index=source)
    log.info("moved %d documents from %s into %s", len(ids), source, target)
    return len(ids)


class OneIndexPerKindMigration:
    number = 5
    name = "one_index_per_kind"

    async def apply(self, ctx: MigrationContext) -> None:
        for source, target in await older_indices(ctx):
            await move_index(ctx, source, target)
