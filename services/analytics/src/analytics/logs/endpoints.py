"""/logs and /log (reading and deleting were left unimplemented by the original)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse
from meridian_kit.errors import BadRequest
from pydantic import TypeAdapter, ValidationError, WithJsonSchema

from analytics.auth import ApiKey
from analytics.deps import EsDep, IndicesDep
from analytics.documented import documented, documented_list
from analytics.errors import status_responses
from analytics.logs import service
from analytics.logs.schemas import Log, LogsStored, LogsStoredV1, StoredLog
from analytics.messages.schemas import StatusResponse
from analytics.messages.service import MAX_SIZE
from analytics.strict_types import FreeJson, Moment, Text
from analytics.versions import is_v1

router = APIRouter(tags=["logs"], dependencies=[ApiKey])


_log_adapter: TypeAdapter[Log] = TypeAdapter(Log)
_MAX_NAMED = 100  # invalid logs named in one answer (the count is always given)


def _describe(position: int, error: ValidationError) -> str:
    parts = []
    for err in error.errors()[:5]:
        field = ".".join([str(position), *(str(p) for p in err.get("loc", ()))])
        parts.append(f"{field}: {err.get('msg', 'invalid')}")
    return "; ".join(parts)


def split_batch(raw: list[Any]) -> tuple[list[Log], list[dict[str, Any]]]:
    """The valid logs of a batch, and the invalid ones named by position, logId and reason."""
    valid, invalid = [], []
    for position, item in enumerate(raw):
        try:
            valid.append(_log_adapter.validate_python(item))
        except ValidationError as exc:
            log_id = item.get("logId") if isinstance(item, dict) else None
            invalid.append(
                {
                    "position": position,
                    "logId": log_id if isinstance(log_id, str) else None,
                    "error": _describe(position, exc),
                }
            )
    return valid, invalid


@router.post(
    "/logs",
    status_code=201,
    response_model=LogsStored | LogsStoredV1,
    responses={
        **status_responses(413),
        200: {"model": LogsStoredV1, "description": "under /v1: the 1.x answer"},
    },
)
async def post_logs(
    request: Request,
    es: EsDep,
    indices: IndicesDep,
    logs: Annotated[
        list[FreeJson],
        # Declared as logs; each is validated on its own, so one invalid log is named, not fatal.
        WithJsonSchema({"type": "array", "items": Log.model_json_schema()}),
        Body(description="logs; an invalid one is named in the answer, the others stored"),
    ],
) -> Any:
    """Stores the valid logs of a batch, names the invalid ones; their trace ids in order.

    Under `/v1` the answer is 1.x's: 200 `{"logId": [...], "status": "ok", "code": 200}`.
    """
    valid, invalid = split_batch(logs)
    if invalid and not valid:
        first = invalid[0]
        raise BadRequest(f"none of the {len(invalid)} logs is valid: {first['error']}")
    # Refused by Elasticsearch for its own reasons: StoreFailed, answered 503 + Retry-After.
    trace_ids = await service.store_batch(es=es, indices=indices, logs=valid)
    if is_v1(request):
        return JSONResponse({"logId": trace_ids, "status": "ok", "code": 200}, 200)
    status = "Created: logs stored"
    if invalid:
        status += f"; {len(invalid)} invalid logs not stored"
    return {
        "traceIds": trace_ids,
        "status": status,
        "code": 201,
        "invalid": invalid[:_MAX_NAMED],
    }


@router.get(
    "/logs",
    response_model=documented_list(StoredLog),
    responses=status_responses(),
)
async def get_logs(
    es: EsDep,
    indices: IndicesDep,
    project: Text,
    fromTime: Moment,
    toTime: Moment,
    component: Text | None = None,
    severity: Text | None = None,
    maxSize: Annotated[int, Query(ge=1, le=MAX_SIZE)] = 1000,
) -> Any:
    """Logs of a project between fromTime and toTime, oldest first (at most maxSize)."""
    return await service.search(
        es=es,
        indices=indices,
        project=project,
        from_time=fromTime,
        to_time=toTime,
        component=component,
        severity=severity,
        max_size=maxSize,
    )


@router.delete("/logs", response_model=StatusResponse, responses=status_responses())
async def delete_logs(
    es: EsDep,
    indices: IndicesDep,
    project: Text,
    fromTime: Moment | None = None,
    toTime: Moment | None = None,
) -> Any:
    """Deletes a project's logs (optionally only those between fromTime and toTime)."""
    await service.delete_many(
        es=es, indices=indices, project=project, from_time=fromTime, to_time=toTime
    )
    return {"status": "Ok: logs deleted", "code": 200}


@router.get("/log", response_model=documented(StoredLog), responses=status_responses(404))
async def get_log(
    es: EsDep,
    indices: IndicesDep,
    traceId: Text | None = None,
    logId: Text | None = None,
    project: Text | None = None,
) -> Any:
    """One log, by traceId or by logId and project."""
    return await service.get(
        es=es, indices=indices, trace_id=traceId, log_id=logId, project=project
    )


@router.delete("/log", response_model=StatusResponse, responses=status_responses(404))
async def delete_log(
    es: EsDep,
    indices: IndicesDep,
    traceId: Text | None = None,
    logId: Text | None = None,
    project: Text | None = None,
) -> Any:
    """Deletes one log, by traceId or by logId and project."""
    await service.delete_one(
        es=es, indices=indices, trace_id=traceId, log_id=logId, project=project
    )
    return {"status": "Ok: log deleted", "code": 200}
