"""The query API of a bucket: its keys (X-KM-PUBLIC, X-KM-SECRET), the admin or an operator token."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from meridian_kit.errors import error_responses

from ingest.deps import BucketDep, QueryDep, ServersDep
from ingest.query.params import INTERVAL_PATTERN, From, Name, To, time_range
from ingest.query.schemas import (
    BucketInfo,
    EventPage,
    ExceptionGroups,
    LogPage,
    MetricNames,
    MetricSeries,
    ServerStatus,
)

# Every query route: bad parameters, missing/wrong keys, keys of another bucket, an unknown
# bucket (admin), Elasticsearch or MongoDB down.
router = APIRouter(
    prefix="/api/buckets/{bucket_id}",
    tags=["query"],
    responses=error_responses(400, 401, 403, 404, 503),
)


Size = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=9999, description="offset + size must not exceed 10000")]


@router.get("", response_model=BucketInfo)
async def bucket_info(bucket: BucketDep) -> dict[str, Any]:
    """The bucket these keys open (without its secret)."""
    return {k: bucket[k] for k in ("id", "name", "public_key", "retention_days", "created_at")}


@router.get("/servers", response_model=list[ServerStatus])
async def servers(
    bucket_id: str,
    bucket: BucketDep,
    servers: ServersDep,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    size: Size = 1000,
) -> list[dict[str, Any]]:
    """The bucket's servers by name, online or not, each with its latest process list (paged)."""
    return await servers.list(bucket_id, with_processes=True, offset=offset, limit=size)


@router.get("/metrics", response_model=MetricNames)
async def metric_names(
    bucket_id: str, bucket: BucketDep, queries: QueryDep, from_: From = None, to: To = None
) -> dict[str, Any]:
    """The metric names reported in the range."""
    frm, end = time_range(from_, to)
    return {"metrics": await queries.metric_names(bucket=bucket_id, frm=frm, to=end)}


@router.get("/metrics/{name}", response_model=MetricSeries)
async def metric_series(
    bucket_id: str,
    name: Annotated[str, Path(max_length=256)],
    bucket: BucketDep,
    queries: QueryDep,
    interval: Annotated[str, Query(pattern=INTERVAL_PATTERN, max_length=8)] = "1m",
    server: Name = None,
    process: Name = None,
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


@router.get("/logs", response_model=LogPage)
async def logs(
    bucket_id: str,
    bucket: BucketDep,
    queries: QueryDep,
    q: Annotated[str | None, Query(max_length=1000)] = None,
    server: Name = None,
    process: Name = None,
    stream: Literal["out", "err"] | None = None,
    from_: From = None,
    to: To = None,
    size: Size = 100,
    offset: Offset = 0,
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


@router.get("/exceptions", response_model=ExceptionGroups)
async def exceptions(
    bucket_id: str,
    bucket: BucketDep,
    queries: QueryDep,
    server: Name = None,
    process: Name = None,
    from_: From = None,
    to: To = None,
    size: Size = 100,
) -> dict[str, Any]:
    """Exceptions grouped by message and stack, with count, first and last seen."""
    frm, end = time_range(from_, to)
    groups = await queries.exceptions(
        bucket=bucket_id, server=server, process=process, frm=frm, to=end, size=size
    )
    return {"groups": groups}


@router.get("/events", response_model=EventPage)
async def events(
    bucket_id: str,
    bucket: BucketDep,
    queries: QueryDep,
    channel: Annotated[str | None, Query(max_length=200)] = None,
    server: Name = None,
    process: Name = None,
    from_: From = None,
    to: To = None,
    size: Size = 100,
    offset: Offset = 0,
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
