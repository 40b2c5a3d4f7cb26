"""Rewrites analytics stored by a 1.x service into the 2.x form (as the original's migration 3)."""

import logging
from typing import Any

from elasticsearch.helpers import async_scan
from pydantic import ValidationError

from analytics.analytic.descriptors import descriptor_document, parse_descriptor
from analytics.migrations.manager import MigrationContext

log = logging.getLogger("analytics.migrations")


def renamed(source: dict[str, Any]) -> dict[str, Any]:
    """The document with 2.x's names: `staticId` → `id`, `query` → `descriptor`."""
    out = dict(source)
    if "staticId" in out:
        out["id"] = out.pop("staticId")
    if "query" in out:
        out["descriptor"] = out.pop("query")
    return out


def upgrade(source: dict[str, Any]) -> dict[str, Any]:
    """The 2.x document; raises pydantic's ValidationError when its v1 descriptor has no 2.x
    form (a metric 2.x does not compute)."""
    out = renamed(source)
    out["descriptor"] = descriptor_document(parse_descriptor(out["descriptor"]))
    result = out.get("result")
    if isinstance(result, dict):
        result.pop("items", None)
        result.pop("transactions", None)
        if "counts" in result:
            result["segments"] = result.pop("counts")
    return out


def is_v1(source: dict[str, Any]) -> bool:
    """Whether a stored analytic was written by a 1.x service."""
    if "staticId" in source or "query" in source:
        return True
    descriptor = source.get("descriptor") or {}
    return str(descriptor.get("type", "")).lower() == "analytic"


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
            if not is_v1(source):
                continue
            try:
                document = upgrade(source)
            except ValidationError as exc:
                # Never deleted: kept under 2.x's names with its descriptor as 1.x wrote it, so
                # it can still be read (GET /analytic) and deleted by its owner.
                log.warning(
                    "migration 4: analytic %s in %s kept with its 1.x descriptor, which has no "
                    "2.x form: %s",
                    hit["_id"],
                    hit["_index"],
                    "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()),
                )
                document = renamed(source)
            await ctx.es.index(index=hit["_index"], id=hit["_id"], document=document)
        await ctx.es.indices.refresh(
            index=ctx.indices.analytics, ignore_unavailable=True, allow_no_indices=True
        )
