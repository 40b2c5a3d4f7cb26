"""The data endpoints, at the original's two paths (read token)."""

from __future__ import annotations

from typing import Annotated

import numpy as np
import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from meridian_kit.errors import error_responses

from metrics_api.deps import READ, SeriesDep
from metrics_api.paths import Segment, TablePath
from metrics_api.series.disconnect import ClientGone, cancel_on_disconnect
from metrics_api.series.original_width import Binning
from metrics_api.series.params import series_query
from metrics_api.series.schemas import SeriesOut
from metrics_api.series.service import iso_times, query_series

router = APIRouter(
    prefix="/api/v1",
    tags=["series"],
    dependencies=READ,
    responses=error_responses(400, 401, 403, 404, 503),
)

Columns = Annotated[
    str | None, Query(description="comma-separated measures, e.g. count,interval_count")
]
Size = Annotated[
    str | None, Query(description="at most this many rows (bins) come back; default 1000")
]
Start = Annotated[
    str | None,
    Query(description="ISO 8601; naive is UTC; default end - 24 h; from 1970 to before 2200"),
]
End = Annotated[str | None, Query(description="ISO 8601; naive is UTC; default now; before 2200")]
CLIENT_CLOSED = 499  # nginx's code for a client that left; nobody reads this answer


def binning_out(binning: Binning | None) -> dict[str, object] | None:
    """The answer's `binning` field."""
    if binning is None:
        return None
    return {
        "width_seconds": binning.width_s,
        "origin": iso_times(np.array([binning.origin_ms], dtype=np.int64))[0],
        "rule": binning.rule,
    }


async def _data(
    request: Request,
    store: SeriesDep,
    table: str,
    env: str,
    app: str,
    metric: str,
    **params: str | None,
) -> Response:
    query = series_query(
        table=table,
        environment=env,
        application=app,
        metric=metric,
        columns=params["columns"],
        size=params["size"],
        start_timestamp=params["start_timestamp"],
        end_timestamp=params["end_timestamp"],
    )
    try:
        answer = await cancel_on_disconnect(request.receive, query_series(store, query))
    except ClientGone:
        return Response(status_code=CLIENT_CLOSED)
    body = {
        "environment": env,
        "application": app,
        "table": table,
        "metric": metric,
        "rows": answer.rows,
        "binning": binning_out(answer.binning),
    }
    return Response(orjson.dumps({"data": body}), media_type="application/json")


@router.get(
    "/environments/{env}/applications/{app}/metrics/{table}/{metric}", response_model=SeriesOut
)
async def metric_data(
    request: Request,
    env: Segment,
    app: Segment,
    table: TablePath,
    metric: Segment,
    store: SeriesDep,
    columns: Columns = None,
    size: Size = None,
    start_timestamp: Start = None,
    end_timestamp: End = None,
) -> Response:
    """A series' rows over a time range, binned on the server when there are more than `size`."""
    return await _data(
        request, store, table, env, app, metric,
        columns=columns, size=size, start_timestamp=start_timestamp, end_timestamp=end_timestamp,
    )  # fmt: skip


@router.get("/metrics/{table}/{env}/{app}/{metric}", response_model=SeriesOut)
async def metric_data_by_table(
    request: Request,
    table: TablePath,
    env: Segment,
    app: Segment,
    metric: Segment,
    store: SeriesDep,
    columns: Columns = None,
    size: Size = None,
    start_timestamp: Start = None,
    end_timestamp: End = None,
) -> Response:
    """The same data as /environments/{env}/applications/{app}/metrics/{table}/{metric}."""
    return await _data(
        request, store, table, env, app, metric,
        columns=columns, size=size, start_timestamp=start_timestamp, end_timestamp=end_timestamp,
    )  # fmt: skip
