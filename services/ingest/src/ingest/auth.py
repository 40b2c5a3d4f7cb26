"""Who may call what: the admin token, and a bucket's keys."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends
from meridian_kit.auth import keys_equal
from meridian_kit.errors import Forbidden, Unauthorized
from starlette.requests import HTTPConnection

from ingest.context import Ingest, IngestDep


def bearer(conn: HTTPConnection) -> str | None:
    """The token of an `Authorization: Bearer` header."""
    scheme, _, token = conn.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def is_admin(ingest: Ingest, conn: HTTPConnection) -> bool:
    """Whether the request carries the configured admin token (compared in constant time)."""
    expected = ingest.settings.admin_token
    token = bearer(conn)
    return bool(expected and token and keys_equal(token, expected))


async def require_admin(conn: HTTPConnection, ingest: IngestDep) -> None:
    """Admin routes: Bearer INGEST_ADMIN_TOKEN; disabled when no token is configured."""
    if not ingest.settings.admin_token:
        raise Forbidden("admin API disabled: INGEST_ADMIN_TOKEN is not set")
    if bearer(conn) is None:
        raise Unauthorized("missing `Authorization: Bearer <admin token>`")
    if not is_admin(ingest, conn):
        raise Forbidden("wrong admin token")


async def bucket_from_keys(conn: HTTPConnection, ingest: IngestDep) -> dict[str, Any]:
    """The bucket whose X-KM-PUBLIC / X-KM-SECRET headers the request carries."""
    return await ingest.buckets.authenticate(
        conn.headers.get("x-km-public"), conn.headers.get("x-km-secret")
    )


async def bucket_access(bucket_id: str, conn: HTTPConnection, ingest: IngestDep) -> dict[str, Any]:
    """A bucket by id, for the admin or for a holder of that bucket's keys."""
    if is_admin(ingest, conn):
        return await ingest.buckets.store.get_bucket(bucket_id)
    bucket = await bucket_from_keys(conn, ingest)
    if bucket["id"] != bucket_id:
        raise Forbidden("these keys belong to another bucket")
    return bucket


AdminDep = Depends(require_admin)
KeysBucket = Annotated[dict[str, Any], Depends(bucket_from_keys)]
BucketDep = Annotated[dict[str, Any], Depends(bucket_access)]
