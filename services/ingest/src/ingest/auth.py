"""Who may call what: the admin token, a signed-in operator's token, and a bucket's keys (the kit's
rule: 401 missing or wrong credentials, 403 valid ones without the right, 403 when the credential is
not configured). The dependencies over these checks are in ingest.deps.

An operator's token is the config-leader's JWT, checked with MERIDIAN_OPERATOR_PUBLIC_KEY by
meridian_kit.operator_tokens. Any valid operator token reads what the admin token reads (every
bucket, its keys, servers, queries, alert rules, the live stream); a write needs the leader's
`fleet:act` for a server's commands (process actions, PM2 actions, disconnect) and `fleet:update`
for any other (buckets, keys, users, alert rules), else 403 naming it; an invalid or expired token
is a 401 saying why. The admin token and the agents' bucket keys are unchanged.
"""

from __future__ import annotations

import re
from typing import Any

from meridian_kit.auth import (
    bearer_challenge,
    bearer_token,
    keys_equal,
    operator_of_token,
    require_key,
    write_permission,
)
from meridian_kit.errors import Forbidden, Unauthorized
from meridian_kit.operator_tokens import Operator
from starlette.requests import HTTPConnection

from ingest.buckets.service import BucketService
from ingest.settings import Settings

FLEET_UPDATE, FLEET_ACT = "fleet:update", "fleet:act"  # the leader's permissions for writes
COMMANDS = re.compile(r"/servers/[^/]+/(actions|pm2|disconnect)$")  # a server's commands
ADMIN_CREDENTIALS = "`Authorization: Bearer <INGEST_ADMIN_TOKEN or an operator token>`"
KEYS_CREDENTIALS = "the bucket's X-KM-PUBLIC and X-KM-SECRET headers"


def is_admin(settings: Settings, conn: HTTPConnection) -> bool:
    """Whether the request carries the configured admin token (compared in constant time)."""
    expected = settings.admin_token
    token = bearer_token(conn)
    return bool(expected and token and keys_equal(token, expected))


def operator_of(conn: HTTPConnection) -> Operator | None:
    """The signed-in operator whose token the request carries; None when it carries none (another
    kind of credential). 401 naming why for an invalid or expired one; 403 when no public key is set,
    or for a write without its permission (a server's commands fleet:act, any other fleet:update)."""
    command = COMMANDS.search(conn.url.path) is not None
    needs = write_permission(conn, FLEET_ACT if command else FLEET_UPDATE)
    return operator_of_token(bearer_token(conn), "ingest", needs)


def is_operator(settings: Settings, conn: HTTPConnection) -> bool:
    """Whether the admin token or a valid operator token opens this request (401 for a bad token)."""
    return is_admin(settings, conn) or operator_of(conn) is not None


def check_admin(conn: HTTPConnection, settings: Settings) -> None:
    """Admin routes: Bearer INGEST_ADMIN_TOKEN or an operator token (401 missing or wrong); 403
    when neither the admin token nor the operators' public key is configured."""
    if is_operator(settings, conn):
        return
    require_key(
        bearer_token(conn),
        settings.admin_token,
        credentials=ADMIN_CREDENTIALS,
        setting="INGEST_ADMIN_TOKEN",
        disabled="admin API disabled: INGEST_ADMIN_TOKEN is not set",
        challenge=bearer_challenge("ingest"),
    )


async def keys_bucket(
    buckets: BucketService,
    public_key: str | None,
    secret_key: str | None,
    credentials: str = KEYS_CREDENTIALS,
) -> dict[str, Any]:
    """The bucket these keys open; 401 when either is missing, unknown or wrong."""
    if not public_key or not secret_key:
        raise Unauthorized(f"missing credentials: {credentials}")
    bucket = await buckets.by_public_key(public_key)
    # compare even for an unknown public key, so the answer takes as long
    secret = bucket["secret_key"] if bucket is not None else public_key + "\0"
    if not keys_equal(secret_key, secret) or bucket is None:
        raise Unauthorized(f"wrong credentials: {credentials}")
    return bucket


async def bucket_for(
    bucket_id: str, conn: HTTPConnection, settings: Settings, buckets: BucketService
) -> dict[str, Any]:
    """A bucket by id, for the admin, an operator or a holder of that bucket's keys (403 for
    another's)."""
    if is_operator(settings, conn):
        return await buckets.get(bucket_id)
    bucket = await keys_bucket(
        buckets, conn.headers.get("x-km-public"), conn.headers.get("x-km-secret")
    )
    if bucket["id"] != bucket_id:
        raise Forbidden("these keys belong to another bucket")
    return bucket
