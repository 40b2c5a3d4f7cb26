"""Reads the metric catalog written alongside the points."""

from __future__ import annotations

from typing import Any

from metrics_api.catalog.store import CatalogRow, CatalogStore
from metrics_api.schema.tables import TIMER
from metrics_api.series.service import iso


def _entry(row: CatalogRow) -> dict[str, Any]:
    env, app, metric, table, last, duration_unit, rate_unit = row
    entry = {
        "environment": env,
        "application": app,
        "metric_name": metric,
        "table": table,
        "last_timestamp": iso(last) if last is not None else None,
        # Every entry carries the units, as the original's (null but for timers).
        "duration_unit": duration_unit if table == TIMER.name else None,
        "rate_unit": rate_unit if table == TIMER.name else None,
    }
    return entry


async def list_metrics(
    catalog: CatalogStore,
    tables: frozenset[str],
    environment: str | None = None,
    application: str | None = None,
) -> list[dict[str, Any]]:
    """Every metric of these tables (optionally of one environment and application), sorted."""
    rows = await catalog.entries(environment, application)
    return sorted(
        (_entry(r) for r in rows if r[3] in tables),
        key=lambda e: (e["environment"], e["application"], e["metric_name"], e["table"]),
    )


async def list_environments(catalog: CatalogStore) -> list[str]:
    """Every environment that has a metric."""
    return sorted(await catalog.environments())


async def list_applications(catalog: CatalogStore, environment: str) -> list[str]:
    """Every application of an environment."""
    return sorted(set(await catalog.applications(environment)))
