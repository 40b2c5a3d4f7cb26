"""Who may call what: the admin token, and a bucket's keys (the kit's rule: 401 missing or wrong
credentials, 403 valid ones without the right, 403 when the admin token is not configured)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends
from meridian_kit.auth import bearer_challenge, bearer_token, keys_equal, require_key
from meridian_kit.errors import Forbidden, Unauthorized
from starlette.requests import HTTPConnection

from ingest.context import Ingest, IngestDep

ADMIN_CREDENTIALS = "`Authorization: Bearer <INGEST_ADMIN_TOKEN>`"
KEYS_CREDENTIALS = "the bucket's X-KM-PUBLIC and X-KM-SECRET headers"


def is_admin(ingest: Ingest, conn: HTTPConnection) -> bool:
    """Whether the request carries the configured admin token (compared in constant time)."""
    expected = ingest.settings.admin_token
    token = bearer_token(conn)
    return bool(expected and token and keys_equal(token, expected))


async def require_admin(conn: HTTPConnection, ingest: IngestDep) -> None:
    """Admin routes: Bearer INGEST_ADMIN_TOKEN (401 missing or wrong); 403 when none is configured."""
    require_key(
        bearer_token(conn),
        ingest.settings.admin_token,
        credentials=ADMIN_CREDENTIALS,
        setting="INGEST_ADMIN_TOKEN",
        disabled="admin API disabled: INGEST_ADMIN_TOKEN is not set",
        challenge=bearer_challenge("ingest"),
    )


async def keys_bucket(
    ingest: Ingest,
    public_key: str | None,
    secret_key: str | None,
    credentials: str = KEYS_CREDENTIALS,
) -> dict[str, Any]:
    """The bucket these keys open; 401 when either is missing, unknown or wrong."""
    if not public_key or not secret_key:
        raise Unauthorized(f"missing credentials: {credentials}")
    bucket = await ingest.buckets.by_public_key(public_key)
    # compare even for an unknown public key, so the answer takes as long
    secret = bucket["secret_key"] if bucket is not None else public_key + "\0"
    if not keys_equal(secret_key, secret) or bucket is None:
        raise Unauthorized(f"wrong credentials: {credentials}")
    return bucket


async def bucket_from_keys(conn: HTTPConnection, ingest: IngestDep) -> dict[str, Any]:
    """The bucket whose X-KM-PUBLIC / X-KM-SECRET headers the request carries."""
    return await keys_bucket(
        ingest, conn.headers.get("x-km-public"), conn.headers.get("x-km-secret")
    )


async def bucket_access(bucket_id: str, conn: HTTPConnection, ingest: IngestDep) -> dict[str, Any]:
    """A bucket by id, for the admin or for a holder of that bucket's keys (403 for another's)."""
    if is_admin(ingest, conn):
        return await ingest.buckets.store.get_bucket(bucket_id)
    bucket = await bucket_from_keys(conn, ingest)
    if bucket["id"] != bucket_id:
        raise Forbidden("these keys belong to another bucket")
    return bucket


AdminDep = Depends(require_admin)
KeysBucket = Annotated[dict[str, Any], Depends(bucket_from_keys)]
BucketDep = Annotated[dict[str, Any], Depends(bucket_access)]
