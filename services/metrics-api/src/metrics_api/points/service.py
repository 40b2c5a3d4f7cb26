"""Writing points: dedupe, insert concurrently with one prepared statement, catalog, rollups."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import numpy as np
from cassandra.query import UNSET_VALUE

from metrics_api.catalog.store import CatalogStore
from metrics_api.schema.tables import MetricTable
from metrics_api.series.rollups import refresh_batch_rollups
from metrics_api.series.store import MetricKey, SeriesStore, day_of

_EPOCH_UTC = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EPOCH_NAIVE = dt.datetime(1970, 1, 1)
_MS = dt.timedelta(milliseconds=1)


def epoch_ms(value: dt.datetime) -> int:
    """Milliseconds since the epoch, whole ms down (exact integer arithmetic); a naive time is UTC."""
    return (value - (_EPOCH_NAIVE if value.utcoffset() is None else _EPOCH_UTC)) // _MS


def _cell(value: Any) -> Any:
    # Absent: no tombstone, and a resent point keeps what it had. The driver takes a naive
    # datetime as UTC, as the API does.
    return UNSET_VALUE if value is None else value


async def write_points(
    series: SeriesStore,
    catalog: CatalogStore,
    table: MetricTable,
    points: list[Any],
    *,
    ttl: int = 0,
    concurrency: int = 64,
) -> dict[str, int]:
    """Upserts the points (one per metric and ms), updates the catalog and the rollups (each
    touched rollup bin recomputed once for the whole batch)."""
    columns = list(table.writable)
    latest: dict[tuple[MetricKey, int], Any] = {}
    for point in points:
        key = MetricKey(point["environment"], point["application"], point["metric_name"])
        latest[(key, epoch_ms(point["metric_timestamp"]))] = point  # the last copy wins
    params = []
    for (key, ms), point in latest.items():
        cells = [UNSET_VALUE if (v := point.get(c)) is None else v for c in columns]
        params.append((*key, day_of(ms), ms, *cells))
    await series.write_raw(table, columns, params, concurrency=concurrency)

    by_metric: dict[MetricKey, list[int]] = {}
    units: dict[MetricKey, Any] = {}
    for key, ms in latest:
        by_metric.setdefault(key, []).append(ms)
        units[key] = latest[(key, ms)]
    touched = {key: np.array(times, dtype=np.int64) for key, times in by_metric.items()}
    _, rollup_rows = await asyncio.gather(  # independent of each other: one round trip less
        _update_catalog(catalog, table, by_metric, units, ttl),
        refresh_batch_rollups(series, table, touched, concurrency=concurrency),
    )
    return {"written": len(latest), "metrics": len(by_metric), "rollup_rows": rollup_rows}


async def _update_catalog(
    catalog: CatalogStore,
    table: MetricTable,
    by_metric: dict[MetricKey, list[int]],
    sample: dict[MetricKey, Any],
    ttl: int,
) -> None:
    """Records each metric and its last time; the write is stamped with that time, so the catalog
    keeps the latest whatever order batches arrive in."""
    params = []
    for key, times in by_metric.items():
        last = max(times)
        point = sample[key]
        params.append(
            (
                *key,
                table.name,
                last,
                _cell(point.get("duration_unit")),
                _cell(point.get("rate_unit")),
                ttl,
                last * 1000,
            )
        )
    await catalog.record(params)
