"""Migration 5 moves per-project log indices into one index per day, without loss or duplicates."""

from __future__ import annotations

import uuid

import pytest
from analytics.migrations.manager import DEFAULT_FOLDER, MigrationContext, load_folder
from analytics.settings import Settings
from analytics.storage.indices import Indices
from analytics.storage.templates import logging_template, put_template
from analytics_run import PREFIX
from elasticsearch import AsyncElasticsearch

PROJECTS = ["alpha", "beta-bot", "2024-01"]  # the last one looks like a date on purpose
DAYS = ["2024-01-01", "2024-01-02"]
PER_INDEX = 700  # more than one scroll page and one bulk batch


def migration_5():
    return next(m for m in load_folder(DEFAULT_FOLDER) if m.number == 5)


async def legacy_layout(es: AsyncElasticsearch, indices: Indices) -> dict[str, dict]:
    """Writes per-project indices as the old service did; returns every document by id."""
    await put_template(es, f"{indices.prefix}memex-logging", indices.logs, logging_template())
    documents: dict[str, dict] = {}
    for project in PROJECTS:
        for day in DAYS:
            index = f"{indices.prefix}logging-{project}-{day}"
            body = []
            for n in range(PER_INDEX):
                doc_id = str(uuid.uuid4())
                source = {
                    "logId": f"{project}-{n}",
                    "project": project,
                    "component": "nlu",
                    "severity": "INFO",
                    "logContent": f"line {n}",
                    "timestamp": f"{day}T{n % 24:02d}:00:00+00:00",
                }
                documents[doc_id] = source
                body += [{"index": {"_index": index, "_id": doc_id}}, source]
            answer = await es.bulk(operations=body, refresh=True)
            assert not answer["errors"]
    return documents


async def everything(es: AsyncElasticsearch, pattern: str) -> dict[str, tuple[str, dict]]:
    found: dict[str, tuple[str, dict]] = {}
    response = await es.search(index=pattern, size=10000, query={"match_all": {}})
    for hit in response["hits"]["hits"]:
        assert hit["_id"] not in found, f"duplicate {hit['_id']}"
        found[hit["_id"]] = (hit["_index"], hit["_source"])
    return found


@pytest.fixture
async def ctx(es: AsyncElasticsearch, settings: Settings) -> MigrationContext:
    return MigrationContext(es, Indices(f"{PREFIX}m5-{uuid.uuid4().hex[:6]}-"), settings)


async def test_moves_every_log_into_its_day_index_once(ctx: MigrationContext):
    es, indices = ctx.es, ctx.indices
    documents = await legacy_layout(es, indices)
    # A log already in the new layout stays where it is.
    await es.index(
        index=f"{indices.prefix}logging-2024-01-01",
        id="new-one",
        document={**documents[next(iter(documents))], "logId": "new"},
        refresh=True,
    )
    await migration_5().apply(ctx)

    names = sorted(await es.indices.get(index=indices.logs))
    assert names == [f"{indices.prefix}logging-{day}" for day in DAYS]
    moved = await everything(es, indices.logs)
    assert len(moved) == len(documents) + 1
    for doc_id, source in documents.items():
        index, stored = moved[doc_id]
        assert stored == source
        assert index == f"{indices.prefix}logging-{source['timestamp'][:10]}"


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
                {"index": {"_index": f"{indices.prefix}logging-{DAYS[0]}", "_id": hit["_id"]}},
                hit["_source"],
            )
        ],
        refresh=True,
    )
    migration = migration_5()
    await migration.apply(ctx)
    await migration.apply(ctx)
    moved = await everything(es, indices.logs)
    assert set(moved) == set(documents)
    assert sorted(await es.indices.get(index=indices.logs)) == [
        f"{indices.prefix}logging-{day}" for day in DAYS
    ]


async def test_the_migration_is_shipped_and_recorded(migrated):
    assert "5-logs_one_index_per_day" in [uid for uid, _ in migrated]
