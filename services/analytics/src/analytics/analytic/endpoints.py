"""/analytic: create, read, delete and compute analytics."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body

from analytics.analytic import store
from analytics.analytic.descriptors import Descriptor
from analytics.auth import ApiKey
from analytics.deps import EsDep, IndicesDep, JobsDep
from analytics.messages.schemas import StatusResponse

router = APIRouter(prefix="/analytic", tags=["analytics"], dependencies=[ApiKey])


@router.post("")
async def create_analytic(
    es: EsDep, indices: IndicesDep, descriptor: Annotated[Descriptor, Body()]
) -> dict[str, str]:
    """Stores a descriptor (v2, or v1 mapped to v2) with no result yet; answers its id."""
    analytic_id = await store.create(es=es, indices=indices, descriptor=descriptor)
    return {"id": analytic_id}


@router.get("")
async def get_analytic(es: EsDep, indices: IndicesDep, id: str) -> dict[str, Any]:
    """An analytic: `{id, descriptor, result}`, result null until computed."""
    stored = await store.find(es=es, indices=indices, analytic_id=id)
    document = stored.document
    return {
        "id": document.get("id", stored.id),
        "descriptor": document["descriptor"],
        "result": document.get("result"),
    }


@router.delete("", response_model=StatusResponse)
async def delete_analytic(es: EsDep, indices: IndicesDep, id: str) -> Any:
    """Deletes an analytic and its result."""
    await store.delete(es=es, indices=indices, analytic_id=id)
    return {"status": "Ok: analytic deleted", "code": 200}


@router.post("/compute")
async def compute_analytic(
    es: EsDep,
    indices: IndicesDep,
    jobs: JobsDep,
    id: str | None = None,
    timeWindowType: Literal["moving", "fixed"] | None = None,
) -> dict[str, Any]:
    """Queues one analytic (`id`), every one of a window type, or every one; answers `{}`."""
    if id is not None:
        await store.find(es=es, indices=indices, analytic_id=id)
        await jobs.update_analytic(id)
    else:
        await jobs.update_analytics(timeWindowType)
    return {}
