"""Who calls: followers by key; the admin API by the admin key or an operator's token.

Keys come in `Authorization` or `?auth=`, are compared in constant time and never logged. An
operator's token (POST /auth/login) comes as `Authorization: Bearer <token>`, or bare as the
original's admin app sends it. The kit's rule: missing or wrong credentials → 401; valid ones
without the permission → 403; the admin key refused with 403 when config-leader.json has none.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from meridian_kit.app import service_state
from meridian_kit.auth import keys_equal, match_key, presented_key
from meridian_kit.errors import Forbidden, Unauthorized

from config_leader.operators.permissions import Group
from config_leader.operators.service import TOKEN_CHALLENGE, Operator, OperatorService
from config_leader.state import LeaderState

T = TypeVar("T")

KEY_CREDENTIALS = "a key in the `Authorization` header or `?auth=`"
ADMIN_CREDENTIALS = (
    "the admin key (`Authorization` header or `?auth=`) or an operator's token "
    "(`Authorization: Bearer <token>` from POST /auth/login)"
)
# The admin key stands for every permission; routes see it as None instead of an Operator.
Caller = Operator | None


def find_by_key(presented: str | None, entries: Mapping[str, T]) -> T | None:
    """The entry whose key matches, comparing against every key so timing reveals nothing."""
    return match_key(presented, entries)


def operator_service(request: Request) -> OperatorService:
    """The operators' service built by the lifespan."""
    return service_state(request.app, LeaderState).operators


def _looks_like_token(value: str) -> bool:
    return value.count(".") == 2 and " " not in value


async def calling_operator_or_admin(request: Request) -> Caller:
    """The admin key (None) or the operator whose valid token the request carries; else 401."""
    presented = presented_key(request)
    if not presented:
        raise Unauthorized(f"missing credentials: {ADMIN_CREDENTIALS}", challenge=TOKEN_CHALLENGE)
    scheme, _, rest = presented.partition(" ")
    bare = rest.strip() if scheme.lower() == "bearer" else presented
    admin_key = service_state(request.app, LeaderState).config.admin_key
    if admin_key is not None and (keys_equal(presented, admin_key) or keys_equal(bare, admin_key)):
        return None
    if _looks_like_token(bare):
        return await operator_service(request).authenticate(bare)
    if admin_key is None:
        raise Forbidden(
            "admin key disabled: no adminKey in config-leader.json; sign in as an operator"
        )
    raise Unauthorized(f"wrong credentials: {ADMIN_CREDENTIALS}", challenge=TOKEN_CHALLENGE)


CallerDep = Annotated[Caller, Depends(calling_operator_or_admin)]


def allowed(caller: Caller, group: Group, *actions: str) -> None:
    """403 unless the caller (the admin key passes) holds one of `actions` in `group`."""
    if caller is None or any(caller.permissions.allows(group, a) for a in actions):
        return
    wanted = " or ".join(f"{group}:{a}" for a in actions)
    raise Forbidden(
        f"insufficient permissions: {caller.username} lacks {wanted}",
        detail={"required": [f"{group}:{a}" for a in actions]},
    )


def permission(group: Group, *actions: str) -> Callable[[Caller], Awaitable[Caller]]:
    """A route dependency: the caller, who must hold one of `actions` in `group`."""

    async def check(caller: CallerDep) -> Caller:
        allowed(caller, group, *actions)
        return caller

    return check


async def admin_api_access(request: Request, caller: CallerDep) -> Caller:
    """The admin API: reading needs settings:read, notify settings:update or settings:notify,
    any other change settings:update."""
    path = request.url.path.rstrip("/")
    if request.method in ("GET", "HEAD"):
        allowed(caller, "settings", "read")
    elif path.endswith("/admin/notify"):
        allowed(caller, "settings", "update", "notify")
    else:
        allowed(caller, "settings", "update")
    return caller
