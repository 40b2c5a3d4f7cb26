"""Migration 5 moves the per-day and per-project indices into one index per kind, without loss
or duplicates."""

from __future__ import annotations

import uuid

import pytest
from analytics.migrations.manager import DEFAULT_FOLDER, MigrationContext, load_folder
from analytics.settings import Settings
from analytics.storage.indices import Indices
from analytics.storage.templates import logging_template, put_template
from analytics_run import PREFIX
from elasticsearch import AsyncElasticsearch
from elasticsearch.helpers import async_scan

PROJECTS = ["alpha", "beta-bot", "2024-01"]  # the last one looks like a date on purpose
DAYS = ["2024-01-01", "2024-01-02"]
PER_INDEX = 700  # more than one scroll page and one bulk batch


def old_indices(indices: Indices) -> list[str]:
    """The older layouts: per-project and per-day logs, per-day messages and analytics."""
    logs = [f"{indices.prefix}logging-{project}-{day}" for project in PROJECTS for day in DAYS]
    logs += [f"{indices.prefix}logging-{DAYS[1]}"]
    return [
        *logs,
        *(f"{indices.prefix}message-{day}" for day in DAYS),
        f"{indices.prefix}analytic-{DAYS[0]}",
    ]


def migration_5():
    return next(m for m in load_folder(DEFAULT_FOLDER) if m.number == 5)


async def legacy_layout(es: AsyncElasticsearch, indices: Indices) -> dict[str, dict]:
    """Writes the indices as the older service did; returns every document by id."""
    await put_template(es, f"{indices.prefix}memex-logging", indices.logs, logging_template())
    documents: dict[str, dict] = {}
    for index in old_indices(indices):
        body = []
        for n in range(PER_INDEX):
            doc_id = str(uuid.uuid4())
            source = {"project": index.split("-")[-4], "n": n, "timestamp": f"{DAYS[0]}T00:00:00Z"}
            documents[doc_id] = source
            body += [{"index": {"_index": index, "_id": doc_id}}, source]
        answer = await es.bulk(operations=body, refresh=True)
        assert not answer["errors"]
    return documents


async def everything(es: AsyncElasticsearch, pattern: str) -> dict[str, tuple[str, dict]]:
    found: dict[str, tuple[str, dict]] = {}
    async for hit in async_scan(es, index=pattern, query={"query": {"match_all": {}}}):
        assert hit["_id"] not in found, f"duplicate {hit['_id']}"
        found[hit["_id"]] = (hit["_index"], hit["_source"])
    return found


@pytest.fixture
async def ctx(es: AsyncElasticsearch, settings: Settings) -> MigrationContext:
    return MigrationContext(es, Indices(f"{PREFIX}m5-{uuid.uuid4().hex[:6]}-"), settings)


def one_per_kind(indices: Indices) -> list[str]:
    return sorted(f"{indices.prefix}{kind}-all" for kind in ("analytic", "logging", "message"))


async def test_moves_every_document_into_the_one_index_of_its_kind(ctx: MigrationContext):
    es, indices = ctx.es, ctx.indices
    documents = await legacy_layout(es, indices)
    # A log already in the new layout stays where it is.
    await es.index(index=indices.log(), id="new-one", document={"n": -1}, refresh=True)
    await migration_5().apply(ctx)

    assert sorted(await es.indices.get(index=f"{indices.prefix}*")) == one_per_kind(indices)
    moved = await everything(es, f"{indices.prefix}*")
    assert len(moved) == len(documents) + 1
    for doc_id, source in documents.items():
        assert moved[doc_id][1] == source
    kinds = {(index.split("-")[-2], doc_id) for doc_id, (index, _) in moved.items()}
    assert len(kinds) == len(moved)


async def test_a_second_run_and_an_interrupted_one_lose_and_duplicate_nothing(
    ctx: MigrationContext,
):
    es, indices = ctx.es, ctx.indices
    documents = await legacy_layout(es, indices)
    # As if a first run stopped after copying part of one index, before deleting it.
    source_index = f"{indices.prefix}logging-alpha-{DAYS[0]}"
    some = (await es.search(index=source_index, size=100))["hits"]["hits"]
    await es.bulk(
        operations=[
            line
            for hit in some
            for line in (
                {"index": {"_index": indices.log(), "_id": hit["_id"]}},
                hit["_source"],
            )
        ],
        refresh=True,
    )
    migration = migration_5()
    await migration.apply(ctx)
    await migration.apply(ctx)
    moved = await everything(es, f"{indices.prefix}*")
    assert set(moved) == set(documents)
    assert sorted(await es.indices.get(index=f"{indices.prefix}*")) == one_per_kind(indices)


async def test_the_migration_is_shipped_and_recorded(migrated):
    assert "5-one_index_per_kind" in [uid for uid, _ in migrated]
