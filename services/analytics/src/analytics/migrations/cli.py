"""`analytics-migrate`: applies the pending migrations (-f/--folder, -i/--index as the original)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from meridian_kit.settings import load_settings

from analytics.migrations.manager import (
    DEFAULT_FOLDER,
    MigrationContext,
    MigrationError,
    apply_all,
    load_folder,
)
from analytics.settings import Settings
from analytics.storage.client import build_client
from analytics.storage.indices import Indices


async def migrate(settings: Settings, folder: Path, manager_index: str) -> list[tuple[str, str]]:
    """Loads the folder's migrations and applies the pending ones."""
    migrations = load_folder(folder)
    es = build_client(settings)
    try:
        ctx = MigrationContext(es, Indices(settings.index_prefix), settings)
        return await apply_all(ctx, manager_index, migrations)
    finally:
        await es.close()


def main(argv: list[str] | None = None) -> None:
    """Runs the migrations; exits 1 naming the migration that failed."""
    parser = argparse.ArgumentParser(prog="analytics-migrate", description="Elasticsearch migrator")
    parser.add_argument(
        "-f",
        "--folder",
        default=os.environ.get("MIGRATION_FOLDER") or str(DEFAULT_FOLDER),
        help="migration folder (MIGRATION_FOLDER; default: the migrations shipped with analytics)",
    )
    parser.add_argument(
        "-i",
        "--index",
        default=None,
        help="migration manager index (MIGRATION_MANAGER_INDEX, default migrations)",
    )
    args = parser.parse_args(argv)
    settings = load_settings("analytics-migrate", Settings)
    manager_index = args.index or settings.migration_manager_index
    try:
        report = asyncio.run(migrate(settings, Path(args.folder), manager_index))
    except MigrationError as exc:
        print(f"analytics-migrate: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    except Exception as exc:
        print(f"analytics-migrate: {type(exc).__name__}: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    for uid, state in report:
        print(f"{uid}: {state}")
