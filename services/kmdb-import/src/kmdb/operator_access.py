"""A signed-in operator's token opens kmdb-api beside KMDB_API_TOKEN.

The token is the config-leader's JWT (`Authorization: Bearer <JWT>`, as the console sends it),
checked with MERIDIAN_OPERATOR_PUBLIC_KEY by meridian_kit.operator_tokens. The leader has no
import permission group, so any valid operator token opens what KMDB_API_TOKEN opens; a forged or
expired one is a 401 saying why. Scripts and machines keep KMDB_API_TOKEN."""

from __future__ import annotations

from meridian_kit.auth import bearer_challenge
from meridian_kit.errors import Forbidden, Unauthorized
from meridian_kit.operator_tokens import (
    PUBLIC_KEY_VARIABLE,
    OperatorTokenError,
    OperatorTokenVerifier,
    verifier_from_env,
)


def operator_token_accepted(token: str | None) -> bool:
    """Whether `token` is a valid operator token; False when it is none (or not JWT-shaped).
    401 naming why for a forged or expired one; 403 when MERIDIAN_OPERATOR_PUBLIC_KEY is unset."""
    if not token or not OperatorTokenVerifier.looks_like_token(token):
        return False
    verifier = verifier_from_env()
    if verifier is None:
        raise Forbidden(f"operator tokens are not accepted: {PUBLIC_KEY_VARIABLE} is not set")
    try:
        verifier.verify(token)
    except OperatorTokenError as exc:
        raise Unauthorized(str(exc), challenge=bearer_challenge("kmdb-import")) from None
    return True
