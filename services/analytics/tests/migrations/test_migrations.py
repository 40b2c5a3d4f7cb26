"""`analytics-migrate`: ordered, recorded, safe to re-run, stops naming a failing migration."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from analytics_run import PREFIX, child_env

MIGRATE = [sys.executable, "-c", "from analytics.migrations.cli import main; main()"]


def run(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*MIGRATE, *args], env=child_env(**env), capture_output=True, text=True, timeout=120
    )


async def test_shipped_migrations_create_the_templates(es, migrated):
    assert [uid for uid, _ in migrated][:3] == [
        "1-message_template",
        "2-analytic_template",
        "3-logging_template",
    ]
    for name in ("message", "analytic", "logging"):
        template = await es.indices.get_index_template(name=f"{PREFIX}memex-{name}")
        assert template["index_templates"][0]["index_template"]["index_patterns"][0].startswith(
            PREFIX
        )


async def test_running_twice_applies_each_migration_once(es):
    index = f"{PREFIX}migrations-twice"
    first = run("-i", index)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[0] == "1-message_template: applied"
    second = run("-i", index)
    assert second.returncode == 0, second.stderr
    assert all(line.endswith(": already applied") for line in second.stdout.splitlines())
    record = await es.get(index=index, id="1-message_template")
    assert record["_source"]["name"] == "message_template" and record["_source"]["ts"]
    assert (await es.count(index=index))["count"] == len(first.stdout.splitlines())


async def test_a_failing_migration_stops_the_run_and_is_named(es, tmp_path: Path):
    (tmp_path / "0001_first.py").write_text(
        "class FirstMigration:\n    number = 1\n    name = 'first'\n"
        "    async def apply(self, ctx):\n        await ctx.es.index(index=ctx.indices.prefix + 'mig-probe', id='1', document={'ok': 1})\n"
    )
    (tmp_path / "0002_broken.py").write_text(
        "class BrokenMigration:\n    number = 2\n    name = 'broken'\n"
        "    async def apply(self, ctx):\n        raise RuntimeError('disk on fire')\n"
    )
    (tmp_path / "0003_never.py").write_text(
        "class NeverMigration:\n    number = 3\n    name = 'never'\n"
        "    async def apply(self, ctx):\n        pass\n"
    )
    index = f"{PREFIX}migrations-failing"
    result = run("-f", str(tmp_path), "-i", index)
    assert result.returncode == 1
    assert "migration 2-broken failed" in result.stderr and "disk on fire" in result.stderr
    assert await es.exists(index=index, id="1-first")
    assert not await es.exists(index=index, id="2-broken")
    assert not await es.exists(index=index, id="3-never")
    # MIGRATION_FOLDER / MIGRATION_MANAGER_INDEX are honoured as the flags are.
    again = run(MIGRATION_FOLDER=str(tmp_path), MIGRATION_MANAGER_INDEX=index)
    assert again.returncode == 1 and "2-broken" in again.stderr
    assert "1-first" not in again.stderr


async def test_the_v1_upgrade_migration_rewrites_old_analytics(es, indices, migrated, caplog):
    from analytics.migrations.manager import DEFAULT_FOLDER, MigrationContext, load_folder

    index = f"{indices.prefix}analytic-2021-01-01"
    old = {
        "staticId": "old-1",
        "query": {
            "type": "analytic",
            "timespan": {"type": "DEFAULT", "value": "7D"},
            "project": "legacy",
            "dimension": "user",
            "metric": "u:active",
        },
        "result": {"count": 3, "items": ["a"]},
    }
    unknown = {
        "staticId": "old-2",
        "query": {
            "type": "analytic",
            "timespan": {"type": "DEFAULT", "value": "7D"},
            "project": "legacy",
            "dimension": "conversation",
            "metric": "c:path",
        },
        "result": None,
    }
    await es.index(index=index, id="old-1", document=old)
    await es.index(index=index, id="old-2", document=unknown, refresh=True)
    upgrade = next(m for m in load_folder(DEFAULT_FOLDER) if m.name == "analytic_v1_upgrade")
    from analytics.settings import Settings

    with caplog.at_level("WARNING", logger="analytics.migrations"):
        await upgrade.apply(MigrationContext(es, indices, Settings()))
    doc = (await es.get(index=index, id="old-1"))["_source"]
    assert doc["id"] == "old-1" and "staticId" not in doc and "query" not in doc
    assert doc["descriptor"] == {
        "type": "count",
        "timespan": {"type": "moving", "value": "7D"},
        "project": "legacy",
        "dimension": "user",
        "metric": "active",
    }
    assert doc["result"] == {"count": 3}
    # A 1.x metric with no 2.x form is kept (under 2.x's names, its descriptor as written)
    # and named in the log, never deleted.
    kept = (await es.get(index=index, id="old-2"))["_source"]
    assert kept == {"id": "old-2", "descriptor": unknown["query"], "result": None}
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("old-2" in w and index in w and "metric" in w for w in warnings), warnings
