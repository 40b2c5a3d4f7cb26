"""The admin API: buckets, their servers, users. Bearer INGEST_ADMIN_TOKEN or an operator token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from meridian_kit.errors import error_responses

from ingest.buckets.schemas import (
    Bucket,
    BucketCreate,
    BucketUpdate,
    Server,
    User,
    UserCreate,
    UserUpdate,
)
from ingest.deps import AdminDep, BucketsDep, RemovalDep, ServersDep

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
async def create_bucket(body: BucketCreate, buckets: BucketsDep) -> dict:
    """Creates a bucket with a random public and secret key."""
    return await buckets.create(body)


@router.get("/buckets", response_model=list[Bucket])
async def list_buckets(buckets: BucketsDep, offset: Offset = 0, limit: Limit = 1000) -> list[dict]:
    """Lists the buckets, oldest first, a page at a time."""
    return await buckets.page(offset, limit)


@router.get("/buckets/{bucket_id}", response_model=Bucket)
async def read_bucket(bucket_id: str, buckets: BucketsDep) -> dict:
    """Reads one bucket."""
    return await buckets.get(bucket_id)


@router.patch("/buckets/{bucket_id}", response_model=Bucket)
async def update_bucket(bucket_id: str, body: BucketUpdate, buckets: BucketsDep) -> dict:
    """Changes a bucket's name, retention or recipients, or rotates its keys."""
    return await buckets.update(bucket_id, body)


@router.delete("/buckets/{bucket_id}", status_code=204)
async def delete_bucket(bucket_id: str, removal: RemovalDep) -> Response:
    """Deletes a bucket, its servers, rules, Redis keys and every one of its daily indices."""
    await removal.delete(bucket_id)
    return Response(status_code=204)


@router.get("/buckets/{bucket_id}/servers", response_model=list[Server])
async def bucket_servers(
    bucket_id: str,
    buckets: BucketsDep,
    servers: ServersDep,
    offset: Offset = 0,
    limit: Limit = 1000,
) -> list[dict]:
    """The servers seen in a bucket, online or not, by name, a page at a time."""
    await buckets.get(bucket_id)
    return await servers.list(bucket_id, with_processes=False, offset=offset, limit=limit)


@router.post("/users", status_code=201, response_model=User)
async def create_user(body: UserCreate, buckets: BucketsDep) -> dict:
    """Creates a user with access to some buckets."""
    return await buckets.create_user(body)


@router.get("/users", response_model=list[User])
async def list_users(buckets: BucketsDep, offset: Offset = 0, limit: Limit = 1000) -> list[dict]:
    """Lists the users, oldest first, a page at a time."""
    return await buckets.users_page(offset, limit)


@router.get("/users/{user_id}", response_model=User)
async def read_user(user_id: str, buckets: BucketsDep) -> dict:
    """Reads one user."""
    return await buckets.get_user(user_id)


@router.patch("/users/{user_id}", response_model=User)
async def update_user(user_id: str, body: UserUpdate, buckets: BucketsDep) -> dict:
    """Changes a user's name or buckets."""
    return await buckets.update_user(user_id, body)


@router.delete("/users/{user_id}", status_code=204)
async def delete_user(user_id: str, buckets: BucketsDep) -> Response:
    """Deletes a user."""
    await buckets.delete_user(user_id)
    return Response(status_code=204)
