"""Rewrites analytics stored by a 1.x service into the 2.x form (as the original's migration 3)."""

from typing import Any

from elasticsearch.helpers import async_scan

from analytics.analytic.descriptors import descriptor_document, parse_descriptor
from analytics.migrations.manager import MigrationContext


def upgrade(source: dict[str, Any]) -> dict[str, Any] | None:
    """The 2.x document, or None when its v1 metric has no 2.x form (it is then dropped)."""
    out = dict(source)
    if "staticId" in out:
        out["id"] = out.pop("staticId")
    if "query" in out:
        out["descriptor"] = out.pop("query")
    try:
        out["descriptor"] = descriptor_document(parse_descriptor(out["descriptor"]))
    except Exception:
        return None
    result = out.get("result")
    if isinstance(result, dict):
        result.pop("items", None)
        result.pop("transactions", None)
        if "counts" in result:
            result["segments"] = result.pop("counts")
    return out


class AnalyticV1UpgradeMigration:
    number = 4
    name = "analytic_v1_upgrade"

    async def apply(self, ctx: MigrationContext) -> None:
        async for hit in async_scan(
            ctx.es,
            index=ctx.indices.analytics,
            query={"query": {"match_all": {}}},
            ignore_unavailable=True,
            allow_no_indices=True,
        ):
            source = hit["_source"]
            if "staticId" not in source and "query" not in source:
                descriptor = source.get("descriptor") or {}
                if str(descriptor.get("type", "")).lower() != "analytic":
                    continue
            upgraded = upgrade(source)
            if upgraded is None:
                await ctx.es.delete(index=hit["_index"], id=hit["_id"])
            else:
                await ctx.es.index(index=hit["_index"], id=hit["_id"], document=upgraded)
        await ctx.es.indices.refresh(
            index=ctx.indices.analytics, ignore_unavailable=True, allow_no_indices=True
        )
