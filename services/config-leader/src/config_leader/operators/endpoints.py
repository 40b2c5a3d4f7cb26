"""/auth (sign in and out) and /users (operators), in the original leader's routes and shapes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from meridian_kit.errors import Forbidden, error_responses
from meridian_kit.pryv_errors import PryvErrorBody

from config_leader.auth import Caller, CallerDep, operator_service, permission
from config_leader.operators.schemas import (
    ChangePasswordIn,
    CreateUserIn,
    DeletedOut,
    LoginIn,
    LoginOut,
    LogoutOut,
    MeOut,
    PermissionsIn,
    PublicKeyOut,
    ResetOut,
    UserEnvelope,
    UsernameInPath,
    UsersOut,
    body_of,
    openapi_body,
)
from config_leader.operators.service import Operator, OperatorService, iso
from config_leader.operators.tokens import ALGORITHM, ISSUER


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """Declared error answers, in the original's shape."""
    return error_responses(*codes, model=PryvErrorBody)


ServiceDep = Annotated[OperatorService, Depends(operator_service)]
auth_router = APIRouter(prefix="/auth", tags=["operators"], responses=errors(503))
users_router = APIRouter(prefix="/users", tags=["operators"], responses=errors(401, 403, 503))


def signed_in(caller: Caller) -> Operator:
    """The operator behind a token; the admin key is nobody (403 on routes about oneself)."""
    if caller is None:
        raise Forbidden("this route is for a signed-in operator, not the admin key")
    return caller


@auth_router.post(
    "/login",
    response_model=LoginOut,
    openapi_extra=openapi_body(LoginIn),
    responses=errors(400, 401, 413),
)
async def login(service: ServiceDep, body: LoginIn = Depends(body_of(LoginIn))) -> dict[str, Any]:
    """Signs an operator in: a token for `Authorization: Bearer <token>` until `expiresAt`."""
    return await service.login(body.username, body.password)


@auth_router.post("/logout", response_model=LogoutOut, responses=errors(401, 403))
async def logout(request: Request, service: ServiceDep, caller: CallerDep) -> dict[str, Any]:
    """Ends the token the request carries (other tokens of the operator stay valid)."""
    operator = signed_in(caller)
    await service.logout(operator)
    authorization = request.headers.get("authorization") or request.query_params.get("auth", "")
    return {"token": authorization.removeprefix("Bearer ").strip()}


@auth_router.get("/me", response_model=MeOut, responses=errors(401, 403))
async def me(caller: CallerDep) -> dict[str, Any]:
    """The signed-in operator, their current permissions and when the token expires."""
    operator = signed_in(caller)
    return {
        "user": {"username": operator.username, "permissions": operator.permissions.as_json()},
        "expiresAt": iso(operator.claims.expires_at),
    }


@auth_router.get("/public-key", response_model=PublicKeyOut, responses=errors(401, 403))
async def public_key(service: ServiceDep, _: CallerDep) -> dict[str, Any]:
    """The key that checks operators' tokens, for services that verify them by themselves."""
    return {"algorithm": ALGORITHM, "issuer": ISSUER, "publicKey": service.signer.public_pem}


@users_router.post(
    "",
    status_code=201,
    response_model=UserEnvelope,
    openapi_extra=openapi_body(CreateUserIn),
    responses=errors(400, 409, 413),
)
async def create_user(
    service: ServiceDep,
    caller: Annotated[Caller, Depends(permission("users", "create"))],
    body: CreateUserIn = Depends(body_of(CreateUserIn)),
) -> dict[str, Any]:
    """Creates an operator, with no permission the caller lacks (users:create)."""
    user = await service.create(body.username, body.password, body.permissions, by=caller)
    return {"user": user}


@users_router.get("", response_model=UsersOut)
async def list_users(
    service: ServiceDep, _: Annotated[Caller, Depends(permission("users", "read"))]
) -> dict[str, Any]:
    """Every operator with their permissions (users:read)."""
    return {"users": await service.list()}


@users_router.get("/{username}", response_model=UserEnvelope, responses=errors(400, 404))
async def get_user(
    service: ServiceDep,
    username: UsernameInPath,
    _: Annotated[Caller, Depends(permission("users", "read"))],
) -> dict[str, Any]:
    """One operator (users:read)."""
    return {"user": await service.get(username)}


@users_router.delete("/{username}", response_model=DeletedOut, responses=errors(400, 404))
async def delete_user(
    service: ServiceDep,
    username: UsernameInPath,
    caller: Annotated[Caller, Depends(permission("users", "delete"))],
) -> dict[str, Any]:
    """Deletes an operator; their tokens end with them (users:delete)."""
    await service.delete(username, by=caller)
    return {"username": username}


@users_router.put(
    "/{username}/permissions",
    response_model=UserEnvelope,
    openapi_extra=openapi_body(PermissionsIn),
    responses=errors(400, 404, 413),
)
async def set_permissions(
    service: ServiceDep,
    username: UsernameInPath,
    caller: Annotated[Caller, Depends(permission("users", "changePermissions"))],
    body: PermissionsIn = Depends(body_of(PermissionsIn)),
) -> dict[str, Any]:
    """Replaces an operator's permissions, within the caller's own (users:changePermissions)."""
    return {"user": await service.set_permissions(username, body.permissions, by=caller)}


@users_router.post(
    "/{username}/reset-password", response_model=ResetOut, responses=errors(400, 404)
)
async def reset_password(
    service: ServiceDep,
    username: UsernameInPath,
    caller: Annotated[Caller, Depends(permission("users", "resetPassword"))],
) -> dict[str, Any]:
    """A new random password for an operator; their tokens end (users:resetPassword)."""
    return await service.reset_password(username, by=caller)


@users_router.post(
    "/{username}/change-password",
    response_model=dict[str, Any],
    openapi_extra=openapi_body(ChangePasswordIn),
    responses=errors(400, 413),
)
async def change_password(
    service: ServiceDep,
    username: UsernameInPath,
    caller: CallerDep,
    body: ChangePasswordIn = Depends(body_of(ChangePasswordIn)),
) -> dict[str, Any]:
    """An operator changes their own password; every token of theirs ends, this one too."""
    operator = signed_in(caller)
    if operator.username != username:
        raise Forbidden("an operator changes only their own password (see reset-password)")
    await service.change_password(
        operator, body.old_password, body.new_password, body.new_password_check
    )
    return {}
