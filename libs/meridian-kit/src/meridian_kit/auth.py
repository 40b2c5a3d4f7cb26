"""Credentials in one place: where a request carries them, constant-time comparison, 401 vs 403.

The rule for every service: no credentials or wrong ones → 401 Unauthorized (with a
`WWW-Authenticate` challenge for Bearer tokens); valid credentials without the right to the
route → 403 Forbidden; a credential the service has not been configured with → 403 naming the
setting ("disabled: X is not set"). Keys are compared in constant time and never logged.
Operators' tokens: `operator_of_token` is the one place a service checks one, and the
permission a write needs ("fleet:act", "analytics:update", "imports:update"); reads need none.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Collection, Mapping
from typing import TypeVar

from fastapi.security import HTTPBearer
from starlette.requests import HTTPConnection

from meridian_kit.errors import Forbidden, Unauthorized
from meridian_kit.operator_tokens import (
    PUBLIC_KEY_VARIABLE,
    Operator,
    OperatorTokenError,
    OperatorTokenVerifier,
    public_key_problem,
    verifier_from_env,
)

Role = TypeVar("Role")


def keys_equal(presented: str, expected: str) -> bool:
    """Constant-time comparison of a presented key with the expected one (lengths included)."""
    # comparing digests keeps even the length of the expected key out of the timing
    return hmac.compare_digest(
        hashlib.sha256(presented.encode("utf-8", "surrogatepass")).digest(),
        hashlib.sha256(expected.encode("utf-8", "surrogatepass")).digest(),
    )


def presented_key(conn: HTTPConnection) -> str | None:
    """A raw key in the `Authorization` header, else in the `auth` query parameter (Pryv's way)."""
    return conn.headers.get("authorization") or conn.query_params.get("auth") or None


def bearer_token(conn: HTTPConnection) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, None without one."""
    scheme, _, token = conn.headers.get("authorization", "").partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


def bearer_challenge(realm: str) -> str:
    """The `WWW-Authenticate` value of a 401 for a Bearer token."""
    return f'Bearer realm="{realm}"'


def bearer_security(description: str) -> HTTPBearer:
    """A Bearer scheme for `Security(...)`: declares it in OpenAPI, leaves refusing to authorize()."""
    return HTTPBearer(auto_error=False, description=description)


def match_key(presented: str | None, keys: Mapping[str, Role]) -> Role | None:
    """The value of the key presented, comparing against every key so timing reveals nothing."""
    if presented is None:
        return None
    found: Role | None = None
    for key, value in keys.items():
        if keys_equal(presented, key):
            found = value
    return found


def authorize(
    presented: str | None,
    keys: Mapping[str, Role],
    *,
    credentials: str,
    allowed: Collection[Role] | None = None,
    disabled: str = "",
    challenge: str | None = None,
) -> Role:
    """The role of the key presented; 401 missing/wrong, 403 role not allowed or no key configured.

    `keys` maps each configured key to its role (leave unset keys out); `credentials` says where
    the key goes ("`Authorization: Bearer <INGEST_ADMIN_TOKEN>`"); `disabled` is the 403 message
    when no key is configured at all.
    """
    if not keys:
        raise Forbidden(disabled or f"disabled: no {credentials} is configured")
    if not presented:
        raise Unauthorized(f"missing credentials: {credentials}", challenge=challenge)
    role = match_key(presented, keys)
    if role is None:
        raise Unauthorized(f"wrong credentials: {credentials}", challenge=challenge)
    if allowed is not None and role not in allowed:
        raise Forbidden(f"these credentials do not allow this: {credentials}")
    return role


def require_key(
    presented: str | None,
    expected: str | None,
    *,
    credentials: str,
    setting: str,
    challenge: str | None = None,
    disabled: str = "",
) -> None:
    """One configured key: 403 when `setting` is unset, 401 for a missing or wrong key."""
    authorize(
        presented,
        {expected: True} if expected else {},
        credentials=credentials,
        disabled=disabled or f"disabled: {setting} is not set",
        challenge=challenge,
    )


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def write_permission(conn: HTTPConnection, permission: str) -> str | None:
    """`permission` for a request that changes something (an HTTP method other than GET, HEAD,
    OPTIONS); None for a read or a websocket: reading stays open to any operator."""
    if conn.scope["type"] != "http" or conn.scope["method"] in SAFE_METHODS:
        return None
    return permission


def operator_of_token(
    token: str | None, realm: str, permission: str | None = None
) -> Operator | None:
    """The signed-in operator of a bearer `token`; None when it is none or not JWT-shaped (another
    kind of credential). 401 naming why for a forged or expired one (challenge for `realm`); 403
    when MERIDIAN_OPERATOR_PUBLIC_KEY is not set (or malformed), or when the token lacks
    `permission` ("group:action", e.g. "imports:update"; None for reads, open to any operator)."""
    if not token or not OperatorTokenVerifier.looks_like_token(token):
        return None
    verifier = verifier_from_env()
    if verifier is None:
        problem = public_key_problem() or f"{PUBLIC_KEY_VARIABLE} is not set"
        raise Forbidden(f"operator tokens are not accepted: {problem}")
    try:
        operator = verifier.verify(token)
    except OperatorTokenError as exc:
        raise Unauthorized(str(exc), challenge=bearer_challenge(realm)) from None
    if permission is not None:
        group, _, action = permission.partition(":")
        if not operator.allows(group, action):
            raise Forbidden(
                f"insufficient permissions: {operator.username} lacks {permission}",
                detail={"missing": permission},
            )
    return operator
