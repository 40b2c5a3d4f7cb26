"""The two tokens: the read token reads, the write token reads and writes; checked in one place
with the kit's rule (meridian_kit.auth: 401 missing or wrong, 403 without the right or unset).

A signed-in operator's token (the config-leader's JWT) is checked by the kit's
`operator_of_token`, as ingest, analytics and kmdb-import do: any operator reads (the console's
Metrics section: charts, dashboards, alerts); a write (points, saving or deleting a dashboard)
needs the leader's `metrics:update`, else 403 naming it. A forged or expired token is a 401 saying
why; without MERIDIAN_OPERATOR_PUBLIC_KEY an operator token is a 403 naming it. The machine
tokens are unchanged."""

from __future__ import annotations

from enum import Enum

from meridian_kit.auth import authorize, bearer_challenge, bearer_token, operator_of_token
from starlette.requests import HTTPConnection

from metrics_api.settings import Settings


class Access(Enum):
    """What a route needs, and what a token grants."""

    READ = "read"
    WRITE = "write"


METRICS_UPDATE = "metrics:update"  # the leader's permission an operator's write needs
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
    """The caller's access: missing or unknown token → 401, the read token on a write → 403, an
    operator's write without metrics:update → 403 naming it."""
    presented = bearer_token(conn)
    permission = METRICS_UPDATE if need is Access.WRITE else None
    operator = operator_of_token(presented, "metrics-api", permission)
    if operator is not None:
        group, _, action = METRICS_UPDATE.partition(":")
        return Access.WRITE if operator.allows(group, action) else Access.READ
    return authorize(
        presented,
        token_roles(settings),
        credentials=CREDENTIALS[need],
        allowed=ALLOWED[need],
        disabled="disabled: METRICS_API_READ_TOKEN and METRICS_API_WRITE_TOKEN are not set",
        challenge=bearer_challenge("metrics-api"),
    )
