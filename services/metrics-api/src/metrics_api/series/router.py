"""The data endpoints, at the original's two paths."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query
from fastapi.responses import Response

from metrics_api.deps import StoreDep
from metrics_api.series.params import series_query
from metrics_api.series.service import query_series

router = APIRouter(prefix="/api/v1", tags=["series"])

Columns = Annotated[
    str | None, Query(description="comma-separated measures, e.g. count,interval_count")
]
Size = Annotated[
    str | None, Query(description="at most this many rows (bins) come back; default 1000")
]
Start = Annotated[str | None, Query(description="ISO 8601; naive is UTC; default end - 24 h")]
End = Annotated[str | None, Query(description="ISO 8601; naive is UTC; default now")]


async def _data(
    store: StoreDep, table: str, env: str, app: str, metric: str, **params: Any
) -> Response:
    query = series_query(table=table, environment=env, application=app, metric=metric, **params)
    rows = await query_series(store, query)
    body = {"environment": env, "application": app, "table": table, "metric": metric, "rows": rows}
    return Response(orjson.dumps({"data": body}), media_type="application/json")


@router.get("/environments/{env}/applications/{app}/metrics/{table}/{metric}")
async def metric_data(
    env: str,
    app: str,
    table: str,
    metric: str,
    store: StoreDep,
    columns: Columns = None,
    size: Size = None,
    start_timestamp: Start = None,
    end_timestamp: End = None,
) -> Response:
    """A series' rows over a time range, binned on the server when there are more than `size`."""
    return await _data(
        store, table, env, app, metric,
        columns=columns, size=size, start_timestamp=start_timestamp, end_timestamp=end_timestamp,
    )  # fmt: skip


@router.get("/metrics/{table}/{env}/{app}/{metric}")
async def metric_data_by_table(
    table: str,
    env: str,
    app: str,
    metric: str,
    store: StoreDep,
    columns: Columns = None,
    size: Size = None,
    start_timestamp: Start = None,
    end_timestamp: End = None,
) -> Response:
    """The same data as /environments/{env}/applications/{app}/metrics/{table}/{metric}."""
    return await _data(
        store, table, env, app, metric,
        columns=columns, size=size, start_timestamp=start_timestamp, end_timestamp=end_timestamp,
    )  # fmt: skip
