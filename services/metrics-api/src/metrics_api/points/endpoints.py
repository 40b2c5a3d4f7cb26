"""POST /api/v1/metrics/{table}: a batch of up to 10,000 points."""

from __future__ import annotations

from fastapi import APIRouter, Request
from meridian_kit.errors import BadRequest, error_responses
from pydantic import ValidationError

from metrics_api.deps import WRITE, CatalogDep, SeriesDep, SettingsDep
from metrics_api.paths import TablePath
from metrics_api.points.schemas import MAX_POINTS, WriteOut, WriteResult, batch_adapter
from metrics_api.points.service import write_points
from metrics_api.series.service import metric_table

router = APIRouter(prefix="/api/v1", tags=["points"])


_BODY_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["points"],
                    "properties": {"points": {"type": "array", "maxItems": MAX_POINTS}},
                },
                "example": {
                    "points": [
                        {
                            "environment": "prod",
                            "application": "api",
                            "metric_name": "requests",
                            "metric_timestamp": "2024-05-01T12:00:00Z",
                            "count": 120,
                            "previous_count": 100,
                        }
                    ]
                },
            }
        },
    }
}


def describe(error: ValidationError) -> BadRequest:
    """A 400 naming each bad point and field, as points.<index>.<field>."""
    detail = [
        {"field": ".".join(str(p) for p in err["loc"]) or "body", "message": err["msg"]}
        for err in error.errors(include_url=False)[:50]
    ]
    fields = ", ".join(d["field"] for d in detail[:10])
    return BadRequest(f"invalid points: {fields}", detail=detail)


@router.post(
    "/metrics/{table}",
    openapi_extra=_BODY_DOC,
    dependencies=WRITE,
    responses=error_responses(400, 401, 403, 404, 413, 503),
)
async def post_points(
    table: TablePath,
    request: Request,
    series: SeriesDep,
    catalog: CatalogDep,
    settings: SettingsDep,
) -> WriteOut:
    """Writes points to a table; the same metric and timestamp written twice stays one point."""
    spec = metric_table(table)
    body = await request.body()
    try:
        batch = batch_adapter(spec.name).validate_json(body or b"null")
    except ValidationError as error:
        raise describe(error) from None
    result = await write_points(
        series,
        catalog,
        spec,
        batch["points"],
        ttl=settings.ttl.get(spec.name, 0),
        concurrency=settings.write_concurrency,
    )
    return WriteOut(data=WriteResult(table=spec.name, **result))
