"""/analytic: create, read, delete and compute analytics."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, ConfigDict

from analytics.analytic import store
from analytics.analytic.descriptors import Descriptor
from analytics.auth import ApiKey
from analytics.deps import EsDep, IndicesDep, JobsDep, RedisDep, SettingsDep
from analytics.errors import status_responses
from analytics.messages.schemas import StatusResponse
from analytics.ratelimit import check_rate
from analytics.strict_types import MAX_NAME

router = APIRouter(prefix="/analytic", tags=["analytics"], dependencies=[ApiKey])

AnalyticId = Annotated[
    str, Query(min_length=1, max_length=MAX_NAME, description="the analytic's id")
]


class CreatedAnalytic(BaseModel):
    """POST /analytic's answer."""

    id: str


class Analytic(BaseModel):
    """An analytic: its descriptor (v2 form) and its latest result (null until computed)."""

    id: str
    descriptor: dict[str, Any]
    result: dict[str, Any] | None


class Queued(BaseModel):
    """POST /analytic/compute's answer: `{}` as the original (what was queued is not said)."""

    model_config = ConfigDict(extra="forbid")


@router.post("", response_model=CreatedAnalytic, responses=status_responses())
async def create_analytic(
    es: EsDep, indices: IndicesDep, descriptor: Annotated[Descriptor, Body()]
) -> Any:
    """Stores a descriptor (v2, or v1 mapped to v2) with no result yet; answers its id."""
    analytic_id = await store.create(es=es, indices=indices, descriptor=descriptor)
    return {"id": analytic_id}


@router.get("", response_model=Analytic, responses=status_responses(404))
async def get_analytic(es: EsDep, indices: IndicesDep, id: AnalyticId) -> Any:
    """An analytic: `{id, descriptor, result}`, result null until computed."""
    stored = await store.find(es=es, indices=indices, analytic_id=id)
    document = stored.document
    return {
        "id": document.get("id", stored.id),
        "descriptor": document["descriptor"],
        "result": document.get("result"),
    }


@router.delete("", response_model=StatusResponse, responses=status_responses(404))
async def delete_analytic(es: EsDep, indices: IndicesDep, id: AnalyticId) -> Any:
    """Deletes an analytic and its result."""
    await store.delete(es=es, indices=indices, analytic_id=id)
    return {"status": "Ok: analytic deleted", "code": 200}


@router.post("/compute", response_model=Queued, responses=status_responses(404, 429))
async def compute_analytic(
    es: EsDep,
    indices: IndicesDep,
    jobs: JobsDep,
    redis: RedisDep,
    settings: SettingsDep,
    id: Annotated[str | None, Query(min_length=1, max_length=MAX_NAME)] = None,
    timeWindowType: Literal["moving", "fixed"] | None = None,
) -> Any:
    """Queues one analytic (`id`), every one of a window type, or every one; answers `{}`.

    A job still waiting is not queued again; calls are limited per window across instances
    (429 with Retry-After past ANALYTICS_COMPUTE_RATE_LIMIT).
    """
    await check_rate(
        redis,
        f"{settings.redis_key_prefix}analytics:rate:compute",
        limit=settings.compute_rate_limit,
        window=settings.compute_rate_window,
    )
    if id is not None:
        await store.find(es=es, indices=indices, analytic_id=id)
        await jobs.update_analytic(id)
    else:
        await jobs.update_analytics(timeWindowType)
    return {}
