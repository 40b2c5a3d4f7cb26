"""Operators: sign in, sign out, who is calling, and managing operators (no HTTP here)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from meridian_kit.errors import BadRequest, Conflict, Forbidden, NotFound, Unauthorized

from config_leader.operators.config import OperatorsConfig
from config_leader.operators.passwords import (
    hash_password,
    password_matches,
    password_problem,
    random_password,
)
from config_leader.operators.permissions import Permissions, every_permission
from config_leader.operators.store import OperatorStore, StoredOperator
from config_leader.operators.tokens import (
    InvalidToken,
    TokenClaims,
    TokenSigner,
    new_private_key_pem,
)

TOKEN_CHALLENGE = 'Bearer realm="config-leader"'
# who signed in, out, and changed which operator (never a password or a token)
audit = logging.getLogger("config_leader.operators.audit")


@dataclass(frozen=True)
class Operator:
    """A signed-in operator calling now: current permissions, and the token's claims."""

    username: str
    permissions: Permissions
    claims: TokenClaims


def iso(seconds: int) -> str:
    """Unix seconds as ISO 8601 UTC."""
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def _refuse_password(password: str, field: str) -> None:
    problem = password_problem(password)
    if problem:
        raise BadRequest(f"{field}: {problem}", detail=[{"field": field, "message": problem}])


class OperatorService:
    """The operators' store and token signer, used by the routes."""

    def __init__(self, store: OperatorStore, signer: TokenSigner):
        self.store = store
        self.signer = signer

    @classmethod
    def open(cls, config: OperatorsConfig) -> OperatorService:
        """Opens (or creates) the operators' file and its signing key."""
        assert config.database is not None
        store = OperatorStore(config.database)
        pem = store.signing_key_pem(generate=new_private_key_pem())
        return cls(store, TokenSigner(pem, config.token_ttl_seconds))

    async def _get(self, username: str) -> StoredOperator | None:
        return await asyncio.to_thread(self.store.get, username)

    async def _existing(self, username: str) -> StoredOperator:
        found = await self._get(username)
        if found is None:
            raise NotFound(f"User {username} not found", detail={"username": username})
        return found

    async def login(self, username: str, password: str) -> dict[str, Any]:
        """A token for the right username and password; 401 otherwise (same for both)."""
        found = await self._get(username)
        if not await password_matches(password, found.password_hash if found else None):
            audit.warning("sign-in refused for %r", username)
            raise Unauthorized("wrong username or password")
        assert found is not None
        audit.info("%s signed in", found.username)
        token, expires_at = self.signer.issue(found.username, found.permissions, found.stamp)
        return {"token": token, "expiresAt": iso(expires_at), "user": found.public()}

    async def authenticate(self, token: str) -> Operator:
        """The operator a token belongs to, if it is still valid; 401 otherwise."""
        try:
            claims = self.signer.check(token)
        except InvalidToken as exc:
            raise Unauthorized(str(exc), challenge=TOKEN_CHALLENGE) from None
        found, revoked = await asyncio.to_thread(
            self.store.get_with_revocation, claims.username, claims.jti
        )
        if found is None or found.stamp != claims.stamp:
            raise Unauthorized(
                "token ended (operator deleted or password changed): sign in again",
                challenge=TOKEN_CHALLENGE,
            )
        if revoked:
            raise Unauthorized("token ended by a logout: sign in again", challenge=TOKEN_CHALLENGE)
        return Operator(found.username, found.permissions, claims)

    async def logout(self, operator: Operator) -> None:
        """Ends the token the operator called with."""
        await asyncio.to_thread(self.store.revoke, operator.claims.jti, operator.claims.expires_at)
        audit.info("%s signed out", operator.username)

    async def list(self) -> list[dict[str, Any]]:
        """Every operator, by name."""
        return [found.public() for found in await asyncio.to_thread(self.store.list)]

    async def get(self, username: str) -> dict[str, Any]:
        """One operator; 404 if unknown."""
        return (await self._existing(username)).public()

    async def create(
        self, username: str, password: str, permissions: Permissions, *, by: Operator | None
    ) -> dict[str, Any]:
        """A new operator, with no permission its creator lacks; 409 if the name is taken."""
        _refuse_permissions_beyond(permissions, by)
        _refuse_password(password, "password")
        hashed = await hash_password(password)
        if not await asyncio.to_thread(self.store.create, username, hashed, permissions):
            raise Conflict(f"User {username} already exists", detail={"username": username})
        audit.info("%s created operator %s", _who(by), username)
        return {"username": username, "permissions": permissions.as_json()}

    async def delete(self, username: str, *, by: Operator | None) -> None:
        """Removes an operator; 404 if unknown."""
        if not await asyncio.to_thread(self.store.delete, username):
            raise NotFound(f"User {username} not found", detail={"username": username})
        audit.info("%s deleted operator %s", _who(by), username)

    async def set_permissions(
        self, username: str, permissions: Permissions, *, by: Operator | None
    ) -> dict[str, Any]:
        """Replaces an operator's permissions, within the caller's own; 404 if unknown."""
        _refuse_permissions_beyond(permissions, by)
        if not await asyncio.to_thread(self.store.set_permissions, username, permissions):
            raise NotFound(f"User {username} not found", detail={"username": username})
        audit.info("%s set the permissions of %s", _who(by), username)
        return {"username": username, "permissions": permissions.as_json()}

    async def reset_password(self, username: str, *, by: Operator | None) -> dict[str, Any]:
        """A new random password for an operator (its tokens end); 404 if unknown."""
        await self._existing(username)
        password = random_password()
        if not await asyncio.to_thread(
            self.store.set_password, username, await hash_password(password)
        ):
            raise NotFound(f"User {username} not found", detail={"username": username})
        audit.info("%s reset the password of %s", _who(by), username)
        return {"username": username, "password": password}

    async def change_password(
        self, operator: Operator, old_password: str, new_password: str, check: str
    ) -> None:
        """The operator's own new password; every token of theirs ends, this one included."""
        found = await self._existing(operator.username)
        if not await password_matches(old_password, found.password_hash):
            raise BadRequest(
                "oldPassword is wrong",
                detail=[{"field": "oldPassword", "message": "does not match"}],
            )
        if new_password != check:
            raise BadRequest(
                "newPasswordCheck differs from newPassword",
                detail=[{"field": "newPasswordCheck", "message": "differs from newPassword"}],
            )
        _refuse_password(new_password, "newPassword")
        await asyncio.to_thread(
            self.store.set_password, operator.username, await hash_password(new_password)
        )
        audit.info("%s changed their password", operator.username)

    async def ensure_first(self, username: str, password: str) -> bool:
        """Creates the deployment's first operator with every permission, once; True if created."""
        if await self._get(username) is not None:
            return False
        _refuse_password(password, "MERIDIAN_ADMIN_PASSWORD")
        hashed = await hash_password(password)
        return await asyncio.to_thread(self.store.create, username, hashed, every_permission())


def _who(by: Operator | None) -> str:
    return by.username if by else "the admin key"


def _refuse_permissions_beyond(permissions: Permissions, by: Operator | None) -> None:
    """An operator grants only permissions they hold (the admin key, `by=None`, holds all)."""
    if by is None:
        return
    beyond = permissions.beyond(by.permissions)
    if beyond:
        raise Forbidden(
            "cannot grant permissions you do not hold: " + ", ".join(beyond),
            detail={"beyond": beyond},
        )
