"""/logs and /log (reading and deleting were left unimplemented by the original)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from fastapi.responses import JSONResponse

from analytics.auth import ApiKey
from analytics.deps import EsDep, IndicesDep
from analytics.errors import status_body, status_responses
from analytics.logs import service
from analytics.logs.schemas import Log
from analytics.messages.schemas import StatusResponse, StoredResponse
from analytics.messages.service import MAX_SIZE
from analytics.storage.bulk import StoreFailed
from analytics.strict_types import Moment, Text

router = APIRouter(tags=["logs"], dependencies=[ApiKey])


@router.post(
    "/logs", status_code=201, response_model=StoredResponse, responses=status_responses(413)
)
async def post_logs(es: EsDep, indices: IndicesDep, logs: Annotated[list[Log], Body()]) -> Any:
    """Stores a batch of logs; answers their trace ids in the order sent."""
    try:
        trace_ids = await service.store(es=es, indices=indices, logs=logs)
    except StoreFailed as exc:
        body = status_body(503, f"{exc}; retry later")
        return JSONResponse(body, 503, headers={"Retry-After": "5"})
    return {"traceIds": trace_ids, "status": "Created: logs stored", "code": 201}


@router.get("/logs", responses=status_responses())
async def get_logs(
    es: EsDep,
    indices: IndicesDep,
    project: Text,
    fromTime: Moment,
    toTime: Moment,
    component: Text | None = None,
    severity: Text | None = None,
    maxSize: Annotated[int, Query(ge=1, le=MAX_SIZE)] = 1000,
) -> list[dict[str, Any]]:
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


@router.get("/log", responses=status_responses(404))
async def get_log(
    es: EsDep,
    indices: IndicesDep,
    traceId: Text | None = None,
    logId: Text | None = None,
    project: Text | None = None,
) -> dict[str, Any]:
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
