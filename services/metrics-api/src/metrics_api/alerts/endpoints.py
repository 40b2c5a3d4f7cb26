"""GET /api/v1/alerts/{env}/{app}/{table}/{metric} (read token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from meridian_kit.errors import BadRequest, error_responses

from metrics_api.alerts.schemas import AlertsOut
from metrics_api.alerts.service import MAX_ALERT_SPAN_MS, find_alerts
from metrics_api.deps import READ, SeriesDep
from metrics_api.paths import Segment, TablePath
from metrics_api.series.params import series_query

router = APIRouter(prefix="/api/v1", tags=["alerts"])


@router.get(
    "/alerts/{env}/{app}/{table}/{metric}",
    dependencies=READ,
    responses=error_responses(400, 401, 403, 404, 503),
)
async def alerts(
    env: Segment,
    app: Segment,
    table: TablePath,
    metric: Segment,
    store: SeriesDep,
    measure: Annotated[str, Query(min_length=1)],
    warning: Annotated[float, Query(allow_inf_nan=False)],
    error: Annotated[float, Query(allow_inf_nan=False)],
    start: Annotated[
        str, Query(min_length=1, description="ISO 8601 or any date dateutil reads; naive is UTC")
    ],
    end: Annotated[str, Query(min_length=1, description="a date; at most 31 days after start")],
) -> AlertsOut:
    """The points of `measure` between start and end at or above the warning and error levels
    (value >= error: an error, else value >= warning: a warning; warning above error is allowed,
    as the original)."""
    query = series_query(
        table=table,
        environment=env,
        application=app,
        metric=metric,
        columns=measure,
        size=None,
        start_timestamp=start,
        end_timestamp=end,
        names=("start", "end"),
    )
    if len(query.measures) != 1:
        raise BadRequest("measure names one column", detail={"field": "measure"})
    if query.end_ms - query.start_ms > MAX_ALERT_SPAN_MS:
        raise BadRequest(
            "the range from start to end is at most 31 days: alerts read every raw point",
            detail={"field": "end"},
        )
    return AlertsOut.model_validate(await find_alerts(store, query, warning=warning, error=error))
