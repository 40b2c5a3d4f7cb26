"""Reads the metric catalog written alongside the points."""

from __future__ import annotations

from typing import Any

from metrics_api.schema.tables import CATALOG_TABLE, TIMER
from metrics_api.series.service import iso
from metrics_api.series.store import SeriesStore

_COLUMNS = (
    "environment, application, metric_name, table_name, "
    "toUnixTimestamp(last_timestamp), duration_unit, rate_unit"
)


def _entry(row: tuple[Any, ...]) -> dict[str, Any]:
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
    store: SeriesStore,
    tables: frozenset[str],
    environment: str | None = None,
    application: str | None = None,
) -> list[dict[str, Any]]:
    """Every metric of these tables (optionally of one environment and application), sorted."""
    query = f"SELECT {_COLUMNS} FROM {store.keyspace}.{CATALOG_TABLE}"
    params: list[str] = []
    if environment is not None:
        query += " WHERE environment = %s"
        params.append(environment)
        if application is not None:
            query += " AND application = %s"
            params.append(application)
    rows = await store.db.execute(query, params or None)
    return sorted(
        (_entry(r) for r in rows if r[3] in tables),
        key=lambda e: (e["environment"], e["application"], e["metric_name"], e["table"]),
    )


async def list_environments(store: SeriesStore) -> list[str]:
    """Every environment that has a metric."""
    rows = await store.db.execute(
        f"SELECT DISTINCT environment FROM {store.keyspace}.{CATALOG_TABLE}"
    )
    return sorted(r[0] for r in rows)


async def list_applications(store: SeriesStore, environment: str) -> list[str]:
    """Every application of an environment."""
    rows = await store.db.execute(
        f"SELECT application FROM {store.keyspace}.{CATALOG_TABLE} WHERE environment = %s",
        [environment],
    )
    return sorted({r[0] for r in rows})
