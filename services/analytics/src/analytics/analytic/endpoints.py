"""/analytic: create, read, delete and compute analytics."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request
from meridian_kit.errors import BadRequest
from pydantic import BaseModel, ConfigDict, Field

from analytics.analytic import store
from analytics.analytic.descriptors import Descriptor
from analytics.auth import ApiKey
from analytics.deps import EsDep, IndicesDep, JobsDep, RedisDep, SettingsDep
from analytics.errors import status_responses
from analytics.ratelimit import check_rate
from analytics.strict_types import MAX_NAME
from analytics.versions import is_v1

MAX_LIST = 100  # analytics per page of GET /analytic/list

router = APIRouter(prefix="/analytic", tags=["analytics"], dependencies=[ApiKey])

AnalyticId = Annotated[
    str | None, Query(min_length=1, max_length=MAX_NAME, description="the analytic's id")
]
StaticId = Annotated[
    str | None,
    Query(min_length=1, max_length=MAX_NAME, description="1.x name of `id` (1.x answer shape)"),
]


class CreatedAnalytic(BaseModel):
    """POST /analytic's answer."""

    id: str


class CreatedAnalyticV1(BaseModel):
    """POST /analytic's answer to a 1.x descriptor (`type: analytic`) or under /v1."""

    staticId: str


class Analytic(BaseModel):
    """An analytic: its descriptor (v2 form) and its latest result (null until computed)."""

    id: str
    descriptor: dict[str, Any]
    result: dict[str, Any] | None


class AnalyticV1(BaseModel):
    """An analytic read by `staticId` (or under /v1): 1.x's names for id and descriptor."""

    staticId: str
    query: dict[str, Any]
    result: dict[str, Any] | None


class AnalyticList(BaseModel):
    """GET /analytic/list's answer: a page of analytics, newest first."""

    total: int = Field(description="how many analytics match in all")
    offset: int
    limit: int
    analytics: list[Analytic]


class Empty(BaseModel):
    """`{}`: the original's answer to compute and delete (what was done is not said)."""

    model_config = ConfigDict(extra="forbid")


def v1_result(result: dict[str, Any] | None) -> dict[str, Any] | None:
    """A result as 1.x named its parts: a segmentation's `segments` were its `counts`."""
    if isinstance(result, dict) and "segments" in result:
        result = {("counts" if k == "segments" else k): v for k, v in result.items()}
    return result


def _one_id(id: str | None, static_id: str | None) -> str:
    analytic_id = id if id is not None else static_id
    if analytic_id is None:
        raise BadRequest("missing required parameter `id`")
    return analytic_id


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
    analytic_id = await store.create(es=es, indices=indices, descriptor=descriptor)
    if is_v1(request) or await _is_v1_descriptor(request):
        await jobs.update_analytic(analytic_id)
        return {"staticId": analytic_id}
    return {"id": analytic_id}


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
    analytic_id = _one_id(id, staticId)
    stored = await store.find(es=es, indices=indices, analytic_id=analytic_id)
    document = stored.document
    found_id = document.get("id", stored.id)
    if (staticId is not None and id is None) or is_v1(request):
        return {
            "staticId": found_id,
            "query": document["descriptor"],
            "result": v1_result(document.get("result")),
        }
    return {"id": found_id, "descriptor": document["descriptor"], "result": document.get("result")}


@router.get("/list", response_model=AnalyticList, responses=status_responses())
async def list_analytics(
    es: EsDep,
    indices: IndicesDep,
    project: Annotated[
        str | None,
        Query(min_length=1, max_length=MAX_NAME, description="only this project's analytics"),
    ] = None,
    offset: Annotated[int, Query(ge=0, le=store.MAX_LIST_WINDOW - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 50,
) -> Any:
    """Analytics, newest first, `limit` (at most 100) from `offset`: `{total, offset, limit,
    analytics: [{id, descriptor, result}]}`. Not in the original (it listed none); offset +
    limit stays within 10,000 (narrow by `project` beyond)."""
    if offset + limit > store.MAX_LIST_WINDOW:
        raise BadRequest(
            f"offset + limit must be at most {store.MAX_LIST_WINDOW}: narrow by `project`"
        )
    found = await store.listing(es=es, indices=indices, project=project, offset=offset, limit=limit)
    return {
        "total": found.total,
        "offset": offset,
        "limit": limit,
        "analytics": [
            {
                "id": a.document.get("id", a.id),
                # a 1.x document not yet migrated (migration 4) names it `query`
                "descriptor": a.document.get("descriptor") or a.document.get("query") or {},
                "result": a.document.get("result"),
            }
            for a in found.analytics
        ],
    }


@router.delete("", response_model=Empty, responses=status_responses())
async def delete_analytic(
    es: EsDep, indices: IndicesDep, id: AnalyticId = None, staticId: StaticId = None
) -> Any:
    """Deletes an analytic and its result; `{}`, whether it existed or not (as the original)."""
    await store.delete(es=es, indices=indices, analytic_id=_one_id(id, staticId))
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
    await check_rate(
        redis,
        f"{settings.redis_key_prefix}analytics:rate:compute",
        limit=settings.compute_rate_limit,
        window=settings.compute_rate_window,
    )
    analytic_id = id if id is not None else staticId
    if analytic_id is not None:
        if await store.exists(es=es, indices=indices, analytic_id=analytic_id):
            await jobs.update_analytic(analytic_id)
    else:
        await jobs.update_analytics(timeWindowType)
    return {}
