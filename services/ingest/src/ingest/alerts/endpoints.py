"""Alert rules per bucket (the admin token or an operator token)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from meridian_kit.errors import error_responses

from ingest.alerts.schemas import Rule, RuleCreate
from ingest.deps import AdminDep, AlertRulesDep

# 404: unknown bucket or rule; 503: MongoDB down.
router = APIRouter(
    prefix="/api/admin/buckets/{bucket_id}/alerts",
    tags=["alerts"],
    dependencies=[AdminDep],
    responses=error_responses(400, 401, 403, 404, 503),
)


@router.post("", status_code=201, response_model=Rule)
async def create_rule(bucket_id: str, body: RuleCreate, rules: AlertRulesDep) -> dict:
    """Adds an alert rule to a bucket."""
    return await rules.create(bucket_id, body)


@router.get("", response_model=list[Rule])
async def list_rules(bucket_id: str, rules: AlertRulesDep) -> list[dict]:
    """A bucket's alert rules."""
    return await rules.list(bucket_id)


@router.put("/{rule_id}", response_model=Rule)
async def replace_rule(
    bucket_id: str, rule_id: str, body: RuleCreate, rules: AlertRulesDep
) -> dict:
    """Replaces an alert rule."""
    return await rules.replace(bucket_id, rule_id, body)


@router.delete("/{rule_id}", status_code=204)
async def delete_rule(bucket_id: str, rule_id: str, rules: AlertRulesDep) -> Response:
    """Deletes an alert rule."""
    await rules.delete(bucket_id, rule_id)
    return Response(status_code=204)
