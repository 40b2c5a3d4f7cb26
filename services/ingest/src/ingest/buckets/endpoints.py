"""The admin API: buckets, their servers, users. Bearer INGEST_ADMIN_TOKEN."""

from __future__ import annotations

import contextlib
from typing import Annotated

from fastapi import APIRouter, Query, Response
from meridian_kit.errors import Unavailable, error_responses

from ingest.auth import AdminDep
from ingest.buckets.schemas import (
    Bucket,
    BucketCreate,
    BucketUpdate,
    Server,
    User,
    UserCreate,
    UserUpdate,
)
from ingest.context import IngestDep
from ingest.query.servers import list_servers

# 404: unknown bucket or user; 409: a user's e-mail is taken; 503: MongoDB/Elasticsearch down.
Offset = Annotated[int, Query(ge=0, le=100_000)]
Limit = Annotated[int, Query(ge=1, le=1000)]

router = APIRouter(
    prefix="/api/admin",
    tags=["admin"],
    dependencies=[AdminDep],
    responses=error_responses(400, 401, 403, 404, 409, 503),
)


@router.post("/buckets", status_code=201, response_model=Bucket)
async def create_bucket(body: BucketCreate, ingest: IngestDep) -> dict:
    """Creates a bucket with a random public and secret key."""
    return await ingest.buckets.create(body)


@router.get("/buckets", response_model=list[Bucket])
async def list_buckets(ingest: IngestDep, offset: Offset = 0, limit: Limit = 1000) -> list[dict]:
    """Lists the buckets, oldest first, a page at a time."""
    return await ingest.buckets.store.list_buckets(offset, limit)


@router.get("/buckets/{bucket_id}", response_model=Bucket)
async def read_bucket(bucket_id: str, ingest: IngestDep) -> dict:
    """Reads one bucket."""
    return await ingest.buckets.store.get_bucket(bucket_id)


@router.patch("/buckets/{bucket_id}", response_model=Bucket)
async def update_bucket(bucket_id: str, body: BucketUpdate, ingest: IngestDep) -> dict:
    """Changes a bucket's name, retention or recipients, or rotates its keys."""
    return await ingest.buckets.update(bucket_id, body)


@router.delete("/buckets/{bucket_id}", status_code=204)
async def delete_bucket(bucket_id: str, ingest: IngestDep) -> Response:
    """Deletes a bucket, its servers, rules and every one of its daily indices."""
    await ingest.buckets.store.get_bucket(bucket_id)
    try:
        await ingest.indices.delete_bucket(bucket_id)
    except Exception as exc:
        raise Unavailable(
            f"elasticsearch unavailable: {type(exc).__name__}", retry_after=10
        ) from exc
    await ingest.rules.delete_bucket(bucket_id)
    await ingest.buckets.delete(bucket_id)
    with contextlib.suppress(Exception):
        keys = [k async for k in ingest.redis.scan_iter(ingest.keys.status_pattern(bucket_id))]
        if keys:
            await ingest.redis.delete(*keys)
    return Response(status_code=204)


@router.get("/buckets/{bucket_id}/servers", response_model=list[Server])
async def bucket_servers(
    bucket_id: str, ingest: IngestDep, offset: Offset = 0, limit: Limit = 1000
) -> list[dict]:
    """The servers seen in a bucket, online or not, by name, a page at a time."""
    await ingest.buckets.store.get_bucket(bucket_id)
    return await list_servers(ingest, bucket_id, with_processes=False, offset=offset, limit=limit)


@router.post("/users", status_code=201, response_model=User)
async def create_user(body: UserCreate, ingest: IngestDep) -> dict:
    """Creates a user with access to some buckets."""
    return await ingest.buckets.create_user(body)


@router.get("/users", response_model=list[User])
async def list_users(ingest: IngestDep, offset: Offset = 0, limit: Limit = 1000) -> list[dict]:
    """Lists the users, oldest first, a page at a time."""
    return await ingest.buckets.store.list_users(offset, limit)


@router.get("/users/{user_id}", response_model=User)
async def read_user(user_id: str, ingest: IngestDep) -> dict:
    """Reads one user."""
    return await ingest.buckets.store.get_user(user_id)


@router.patch("/users/{user_id}", response_model=User)
async def update_user(user_id: str, body: UserUpdate, ingest: IngestDep) -> dict:
    """Changes a user's name or buckets."""
    return await ingest.buckets.update_user(user_id, body)


@router.delete("/users/{user_id}", status_code=204)
async def delete_user(user_id: str, ingest: IngestDep) -> Response:
    """Deletes a user."""
    await ingest.buckets.store.delete_user(user_id)
    return Response(status_code=204)
