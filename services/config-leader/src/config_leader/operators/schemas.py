"""Bodies and answers of /auth and /users (the original's names, camelCase)."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import Path, Request
from meridian_kit.errors import BadRequest
from meridian_kit.json_body import json_body
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from config_leader.operators.permissions import Permissions

M = TypeVar("M", bound=BaseModel)
USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$"
Username = Annotated[str, StringConstraints(pattern=USERNAME_PATTERN)]
# passwords are checked by passwords.password_problem (bcrypt's limit); this bounds the body
Password = Annotated[str, StringConstraints(min_length=1, max_length=1024)]
UsernameInPath = Annotated[
    str, Path(max_length=256, description="an operator's username", examples=["alice"])
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class LoginIn(Strict):
    """POST /auth/login."""

    username: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    password: Password


class CreateUserIn(Strict):
    """POST /users: the new operator and what they may do."""

    username: Username
    password: Password
    permissions: Permissions


class PermissionsIn(Strict):
    """PUT /users/{username}/permissions."""

    permissions: Permissions


class ChangePasswordIn(Strict):
    """POST /users/{username}/change-password, by that operator only."""

    old_password: Password = Field(alias="oldPassword")
    new_password: Password = Field(alias="newPassword")
    new_password_check: Password = Field(alias="newPasswordCheck")


class PermissionsOut(BaseModel):
    """The original's three groups, and the services' (fleet, analytics, imports, metrics) when
    granted."""

    model_config = ConfigDict(extra="allow")

    settings: list[str]
    users: list[str]
    platformUsers: list[str]


class UserOut(BaseModel):
    """An operator, never with a password."""

    username: str
    permissions: PermissionsOut


class LoginOut(BaseModel):
    """A token for `Authorization: Bearer <token>`, when it expires, and who signed in."""

    token: str
    expiresAt: str = Field(description="ISO 8601 UTC")
    user: UserOut


class MeOut(BaseModel):
    """The operator calling, with their current permissions."""

    user: UserOut
    expiresAt: str


class LogoutOut(BaseModel):
    """The token that was ended (the original's answer)."""

    token: str


class UserEnvelope(BaseModel):
    user: UserOut


class UsersOut(BaseModel):
    users: list[UserOut]


class DeletedOut(BaseModel):
    username: str


class ResetOut(BaseModel):
    """The new random password: give it to the operator, who changes it."""

    username: str
    password: str


class PublicKeyOut(BaseModel):
    """What another service needs to check an operator's token by itself."""

    algorithm: str
    issuer: str
    publicKey: str = Field(description="PEM (SubjectPublicKeyInfo)")


def body_of(model: type[M]) -> Any:
    """A dependency reading the JSON body (whatever its Content-Type) into `model`; 400 naming
    each refused field."""

    async def read(request: Request) -> M:
        raw = await json_body(request)
        if not isinstance(raw, dict):
            raise BadRequest(
                "the body must be a JSON object",
                detail=[{"field": "body", "message": "must be a JSON object"}],
            )
        try:
            return model.model_validate(raw)
        except ValidationError as exc:
            detail = [
                {"field": ".".join(str(p) for p in e["loc"]) or "body", "message": e["msg"]}
                for e in exc.errors()
            ]
            fields = ", ".join(d["field"] for d in detail)
            raise BadRequest(f"invalid body: {fields}", detail=detail) from None

    return read


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """The schema with every `#/$defs/X` reference replaced by X itself."""
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


def openapi_body(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` declaring a required JSON body of `model` (self-contained schema)."""
    schema = model.model_json_schema(by_alias=True)
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _inline(schema, schema.get("$defs", {}))}},
        }
    }
