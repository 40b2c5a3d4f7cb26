"""/analytic: create, read, delete and compute analytics."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request

from analytics.analytic import service
from analytics.analytic.descriptors import Descriptor
from analytics.analytic.schemas import (
    Analytic,
    AnalyticList,
    AnalyticV1,
    CreatedAnalytic,
    CreatedAnalyticV1,
    Empty,
)
from analytics.auth import ApiKey
from analytics.deps import EsDep, IndicesDep, JobsDep, RedisDep, SettingsDep
from analytics.errors import status_responses
from analytics.strict_types import MAX_NAME
from analytics.versions import is_v1

router = APIRouter(prefix="/analytic", tags=["analytics"], dependencies=[ApiKey])

AnalyticId = Annotated[
    str | None, Query(min_length=1, max_length=MAX_NAME, description="the analytic's id")
]
StaticId = Annotated[
    str | None,
    Query(min_length=1, max_length=MAX_NAME, description="1.x name of `id` (1.x answer shape)"),
]


async def _is_v1_descriptor(request: Request) -> bool:
    raw = await request.json()
    return isinstance(raw, dict) and str(raw.get("type", "")).lower() == "analytic"


@router.post("", response_model=CreatedAnalytic | CreatedAnalyticV1, responses=status_responses())
async def create_analytic(
    request: Request,
    es: EsDep,
    indices: IndicesDep,
    jobs: JobsDep,
    descriptor: Annotated[Descriptor, Body()],
) -> Any:
    """Stores a descriptor (v2, or v1 mapped to v2) with no result yet; answers its id.

    A 1.x descriptor (`type: analytic`), or any under /v1, is answered `{"staticId"}` and
    queued for computation at once, as 1.x computed on creation.
    """
    as_v1 = is_v1(request) or await _is_v1_descriptor(request)
    analytic_id = await service.create(
        es=es, indices=indices, jobs=jobs, descriptor=descriptor, compute_now=as_v1
    )
    return {"staticId": analytic_id} if as_v1 else {"id": analytic_id}


@router.get("", response_model=Analytic | AnalyticV1, responses=status_responses(404))
async def get_analytic(
    request: Request,
    es: EsDep,
    indices: IndicesDep,
    id: AnalyticId = None,
    staticId: StaticId = None,
) -> Any:
    """An analytic: `{id, descriptor, result}`, result null until computed.

    Asked by `staticId` (or under /v1): `{staticId, query, result}`, as 1.x answered.
    """
    return await service.read(
        es=es,
        indices=indices,
        analytic_id=service.one_id(id, staticId),
        as_v1=(staticId is not None and id is None) or is_v1(request),
    )


@router.get("/list", response_model=AnalyticList, responses=status_responses())
async def list_analytics(
    es: EsDep,
    indices: IndicesDep,
    project: Annotated[
        str | None,
        Query(min_length=1, max_length=MAX_NAME, description="only this project's analytics"),
    ] = None,
    offset: Annotated[int, Query(ge=0, le=service.MAX_LIST_WINDOW - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=service.MAX_LIST)] = 50,
) -> Any:
    """Analytics, newest first, `limit` (at most 100) from `offset`: `{total, offset, limit,
    analytics: [{id, descriptor, result}]}`. Not in the original (it listed none); offset +
    limit stays within 10,000 (narrow by `project` beyond)."""
    return await service.listing(
        es=es, indices=indices, project=project, offset=offset, limit=limit
    )


@router.delete("", response_model=Empty, responses=status_responses())
async def delete_analytic(
    es: EsDep, indices: IndicesDep, id: AnalyticId = None, staticId: StaticId = None
) -> Any:
    """Deletes an analytic and its result; `{}`, whether it existed or not (as the original)."""
    await service.delete(es=es, indices=indices, analytic_id=service.one_id(id, staticId))
    return {}


@router.post("/compute", response_model=Empty, responses=status_responses(429))
async def compute_analytic(
    es: EsDep,
    indices: IndicesDep,
    jobs: JobsDep,
    redis: RedisDep,
    settings: SettingsDep,
    id: AnalyticId = None,
    staticId: StaticId = None,
    timeWindowType: Literal["moving", "fixed"] | None = None,
) -> Any:
    """Queues one analytic (`id`), every one of a window type, or every one; answers `{}`.

    An unknown id is answered `{}` too, as the original did (nothing is queued). A job still
    waiting is not queued again; calls are limited per window across instances (429 with
    Retry-After past ANALYTICS_COMPUTE_RATE_LIMIT).
    """
    await service.compute(
        es=es,
        indices=indices,
        jobs=jobs,
        redis=redis,
        settings=settings,
        analytic_id=id if id is not None else staticId,
        window_type=timeWindowType,
    )
    return {}
