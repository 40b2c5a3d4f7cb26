"""Alert rules per bucket (admin)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from meridian_kit.errors import error_responses

from ingest.alerts.schemas import Rule, RuleCreate
from ingest.auth import AdminDep
from ingest.context import IngestDep

# 404: unknown bucket or rule; 503: MongoDB down.
router = APIRouter(
    prefix="/api/admin/buckets/{bucket_id}/alerts",
    tags=["alerts"],
    dependencies=[AdminDep],
    responses=error_responses(400, 401, 403, 404, 503),
)


@router.post("", status_code=201, response_model=Rule)
async def create_rule(bucket_id: str, body: RuleCreate, ingest: IngestDep) -> dict:
    """Adds an alert rule to a bucket."""
    await ingest.buckets.store.get_bucket(bucket_id)
    try:
        return await ingest.rules.create(bucket_id, body)
    finally:
        await ingest.alerts.changed(bucket_id)


@router.get("", response_model=list[Rule])
async def list_rules(bucket_id: str, ingest: IngestDep) -> list[dict]:
    """A bucket's alert rules."""
    await ingest.buckets.store.get_bucket(bucket_id)
    return await ingest.rules.list(bucket_id)


@router.put("/{rule_id}", response_model=Rule)
async def replace_rule(bucket_id: str, rule_id: str, body: RuleCreate, ingest: IngestDep) -> dict:
    """Replaces an alert rule."""
    try:
        return await ingest.rules.replace(bucket_id, rule_id, body)
    finally:
        await ingest.alerts.changed(bucket_id)


@router.delete("/{rule_id}", status_code=204)
async def delete_rule(bucket_id: str, rule_id: str, ingest: IngestDep) -> Response:
    """Deletes an alert rule."""
    try:
        await ingest.rules.delete(bucket_id, rule_id)
    finally:
        await ingest.alerts.changed(bucket_id)
    return Response(status_code=204)
