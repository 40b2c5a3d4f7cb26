"""GET /api/v1/alerts/{env}/{app}/{table}/{metric}."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from meridian_kit.errors import BadRequest

from metrics_api.alerts.service import find_alerts
from metrics_api.deps import StoreDep
from metrics_api.series.params import series_query

router = APIRouter(prefix="/api/v1", tags=["alerts"])


@router.get("/alerts/{env}/{app}/{table}/{metric}")
async def alerts(
    env: str,
    app: str,
    table: str,
    metric: str,
    store: StoreDep,
    measure: Annotated[str, Query(min_length=1)],
    warning: Annotated[float, Query(allow_inf_nan=False)],
    error: Annotated[float, Query(allow_inf_nan=False)],
    start: Annotated[str, Query(min_length=1)],
    end: Annotated[str, Query(min_length=1)],
) -> dict[str, Any]:
    """The points of `measure` between start and end at or above the warning and error levels."""
    if warning > error:
        raise BadRequest("warning must not be above error", detail={"field": "warning"})
    query = series_query(
        table=table,
        environment=env,
        application=app,
        metric=metric,
        columns=measure,
        size=None,
        start_timestamp=start,
        end_timestamp=end,
    )
    if len(query.measures) != 1:
        raise BadRequest("measure names one column", detail={"field": "measure"})
    return await find_alerts(store, query, warning=warning, error=error)
