"""The two tokens: the read token reads, the write token reads and writes; checked in one place
with the kit's rule (meridian_kit.auth: 401 missing or wrong, 403 without the right or unset).

A signed-in operator's token (the config-leader's JWT, checked with MERIDIAN_OPERATOR_PUBLIC_KEY
by meridian_kit.operator_tokens) reads and writes too: every operator may see the charts and save
dashboards, as the console's Metrics section does. An invalid or expired one is a 401."""

from __future__ import annotations

from enum import Enum

from meridian_kit.auth import authorize, bearer_challenge, bearer_token
from meridian_kit.errors import Unauthorized
from meridian_kit.operator_tokens import (
    OperatorTokenError,
    OperatorTokenVerifier,
    verifier_from_env,
)
from starlette.requests import HTTPConnection

from metrics_api.settings import Settings


class Access(Enum):
    """What a route needs, and what a token grants."""

    READ = "read"
    WRITE = "write"


CREDENTIALS = {
    Access.READ: "`Authorization: Bearer <METRICS_API_READ_TOKEN or METRICS_API_WRITE_TOKEN>`",
    Access.WRITE: "`Authorization: Bearer <METRICS_API_WRITE_TOKEN>`",
}
ALLOWED = {Access.READ: {Access.READ, Access.WRITE}, Access.WRITE: {Access.WRITE}}


def token_roles(settings: Settings) -> dict[str, Access]:
    """Each configured token and what it grants (an unset token is left out)."""
    roles: dict[str, Access] = {}
    if settings.read_token:
        roles[settings.read_token] = Access.READ
    if settings.write_token:
        roles[settings.write_token] = Access.WRITE
    return roles


def check_access(conn: HTTPConnection, settings: Settings, need: Access) -> Access:
    """The caller's access: missing or unknown token → 401, the read token on a write → 403."""
    presented = bearer_token(conn)
    verifier = verifier_from_env()
    if presented and verifier and OperatorTokenVerifier.looks_like_token(presented):
        try:
            verifier.verify(presented)
        except OperatorTokenError as exc:
            raise Unauthorized(str(exc), challenge=bearer_challenge("metrics-api")) from None
        return Access.WRITE
    return authorize(
        presented,
        token_roles(settings),
        credentials=CREDENTIALS[need],
        allowed=ALLOWED[need],
        disabled="disabled: METRICS_API_READ_TOKEN and METRICS_API_WRITE_TOKEN are not set",
        challenge=bearer_challenge("metrics-api"),
    )
