"""Loading migrations from a folder and applying those not yet recorded, in order."""

from __future__ import annotations

import importlib.util
import inspect
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

from elasticsearch import AsyncElasticsearch

from analytics.settings import Settings
from analytics.storage.indices import Indices

log = logging.getLogger("analytics.migrations")
DEFAULT_FOLDER = Path(__file__).parent / "actions"


@dataclass(frozen=True)
class MigrationContext:
    """What a migration works with."""

    es: AsyncElasticsearch
    indices: Indices
    settings: Settings


@runtime_checkable
class Migration(Protocol):
    """A class named `...Migration` with a number, a name and `async apply(ctx)`."""

    number: int
    name: str

    async def apply(self, ctx: MigrationContext) -> None: ...


def unique_id(migration: Migration) -> str:
    """`{number}-{name}`, the id of its record in the manager index (as the original)."""
    return f"{migration.number}-{migration.name}"


class MigrationError(Exception):
    """A migration could not be loaded or applied; names it."""


def load_folder(folder: Path) -> list[Migration]:
    """Every `...Migration` class defined in the folder's modules, sorted by number."""
    if not folder.is_dir():
        raise MigrationError(f"migration folder {folder} does not exist")
    found: dict[int, Migration] = {}
    for path in sorted(folder.glob("*.py")):
        if path.name.startswith("_"):
            continue
        spec = importlib.util.spec_from_file_location(f"analytics_migration_{path.stem}", path)
        if spec is None or spec.loader is None:
            raise MigrationError(f"cannot load migration module {path.name}")
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            raise MigrationError(f"cannot load migration module {path.name}: {exc}") from exc
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if not name.endswith("Migration") or cls.__module__ != module.__name__:
                continue
            migration = cls()
            if not isinstance(migration, Migration):
                raise MigrationError(f"{path.name}:{name} lacks number, name or apply()")
            if migration.number in found:
                other = unique_id(found[migration.number])
                raise MigrationError(
                    f"{unique_id(migration)} and {other} share number {migration.number}"
                )
            found[migration.number] = migration
    return [found[n] for n in sorted(found)]


async def is_applied(es: AsyncElasticsearch, manager_index: str, migration: Migration) -> bool:
    """Whether the manager index records this migration."""
    return bool(await es.exists(index=manager_index, id=unique_id(migration)))


async def apply_all(
    ctx: MigrationContext, manager_index: str, migrations: Sequence[Migration]
) -> list[tuple[str, str]]:
    """Applies the migrations not yet recorded, in order; stops at the first failure."""
    report = []
    for migration in migrations:
        uid = unique_id(migration)
        if await is_applied(ctx.es, manager_index, migration):
            log.info("migration %s already applied", uid)
            report.append((uid, "already applied"))
            continue
        log.info("applying migration %s", uid)
        try:
            await migration.apply(ctx)
        except Exception as exc:
            raise MigrationError(f"migration {uid} failed: {type(exc).__name__}: {exc}") from exc
        await ctx.es.index(
            index=manager_index,
            id=uid,
            document={"name": migration.name, "ts": datetime.now(UTC).isoformat()},
            refresh="wait_for",
        )
        report.append((uid, "applied"))
    return report
