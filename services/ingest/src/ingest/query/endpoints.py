"""The query API of a bucket: its keys (X-KM-PUBLIC, X-KM-SECRET) or the admin token."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from ingest.auth import BucketDep
from ingest.context import IngestDep
from ingest.query.servers import list_servers
from ingest.query.service import QueryService, time_range

router = APIRouter(prefix="/api/buckets/{bucket_id}", tags=["query"])


def query_service(ingest: IngestDep) -> QueryService:
    """The read-side queries over this instance's clients."""
    return QueryService(ingest.es, ingest.indices.names)


QueryDep = Annotated[QueryService, Depends(query_service)]
From = Annotated[
    str | None, Query(alias="from", description="epoch ms or ISO 8601; default: to - 1h")
]
To = Annotated[str | None, Query(description="epoch ms or ISO 8601; default: now")]


@router.get("")
async def bucket_info(bucket: BucketDep) -> dict[str, Any]:
    """The bucket these keys open (without its secret)."""
    return {k: bucket[k] for k in ("id", "name", "public_key", "retention_days", "created_at")}


@router.get("/servers")
async def servers(bucket_id: str, bucket: BucketDep, ingest: IngestDep) -> list[dict[str, Any]]:
    """The bucket's servers, online or not, each with its latest process list."""
    return await list_servers(ingest, bucket_id, with_processes=True)


@router.get("/metrics")
async def metric_names(
    bucket_id: str, bucket: BucketDep, queries: QueryDep, from_: From = None, to: To = None
) -> dict[str, Any]:
    """The metric names reported in the range."""
    frm, end = time_range(from_, to)
    return {"metrics": await queries.metric_names(bucket=bucket_id, frm=frm, to=end)}


@router.get("/metrics/{name}")
async def metric_series(
    bucket_id: str,
    name: str,
    bucket: BucketDep,
    queries: QueryDep,
    interval: str = "1m",
    server: str | None = None,
    process: str | None = None,
    from_: From = None,
    to: To = None,
) -> dict[str, Any]:
    """A metric's series: avg and max per interval (cpu, memory or any axm_monitor name)."""
    frm, end = time_range(from_, to)
    return await queries.metric_series(
        bucket=bucket_id,
        name=name,
        interval=interval,
        frm=frm,
        to=end,
        server=server,
        process=process,
    )


@router.get("/logs")
async def logs(
    bucket_id: str,
    bucket: BucketDep,
    queries: QueryDep,
    q: str | None = None,
    server: str | None = None,
    process: str | None = None,
    stream: Literal["out", "err"] | None = None,
    from_: From = None,
    to: To = None,
    size: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Log lines: full-text `q`, server, process, stream and time filters; newest first, paged."""
    frm, end = time_range(from_, to)
    return await queries.logs(
        bucket=bucket_id,
        text=q,
        server=server,
        process=process,
        stream=stream,
        frm=frm,
        to=end,
        size=size,
        offset=offset,
    )


@router.get("/exceptions")
async def exceptions(
    bucket_id: str,
    bucket: BucketDep,
    queries: QueryDep,
    server: str | None = None,
    process: str | None = None,
    from_: From = None,
    to: To = None,
    size: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Exceptions grouped by message and stack, with count, first and last seen."""
    frm, end = time_range(from_, to)
    groups = await queries.exceptions(
        bucket=bucket_id, server=server, process=process, frm=frm, to=end, size=size
    )
    return {"groups": groups}


@router.get("/events")
async def events(
    bucket_id: str,
    bucket: BucketDep,
    queries: QueryDep,
    channel: str | None = None,
    server: str | None = None,
    process: str | None = None,
    from_: From = None,
    to: To = None,
    size: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """The events timeline: process events, action replies, human events, any other channel."""
    frm, end = time_range(from_, to)
    return await queries.events(
        bucket=bucket_id,
        channel=channel,
        server=server,
        process=process,
        frm=frm,
        to=end,
        size=size,
        offset=offset,
    )
