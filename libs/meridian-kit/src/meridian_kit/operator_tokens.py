"""Operators' tokens checked by any service: the config-leader's Ed25519 JWTs, its public key alone.

An operator signs in at the leader (POST /config/auth/login) and gets a short-lived JWT (`EdDSA`,
`iss` "config-leader", `sub`, `permissions`, `exp`). Every service checks it here with the leader's
public key, distributed by the config follower in each service's env file as
`MERIDIAN_OPERATOR_PUBLIC_KEY` (one line: the base64 of the key's DER, or a PEM): no datastore is
shared. A service sees the permissions as at sign-in until the token expires (the leader alone
knows of a logout); tokens are short-lived for that reason (`operators.tokenTtlSeconds`).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

PUBLIC_KEY_VARIABLE = "MERIDIAN_OPERATOR_PUBLIC_KEY"
ISSUER = "config-leader"
ALGORITHM = "EdDSA"
LEEWAY_SECONDS = 5  # clocks of one platform's machines differ a little


class OperatorTokenError(Exception):
    """Not a valid operator token: the message says why, without the token."""


@dataclass(frozen=True)
class Operator:
    """A signed-in operator: the name and the permissions the token carries."""

    username: str
    permissions: dict[str, frozenset[str]] = field(default_factory=dict)
    expires_at: int = 0

    def allows(self, group: str, action: str) -> bool:
        """Whether the token grants `group:action` (e.g. "settings", "update")."""
        return action in self.permissions.get(group, frozenset())


def load_public_key(text: str) -> Ed25519PublicKey:
    """The Ed25519 public key of a PEM, or of one line holding the base64 of its DER."""
    text = text.strip()
    if not text.startswith("-----BEGIN"):
        text = f"-----BEGIN PUBLIC KEY-----\n{text}\n-----END PUBLIC KEY-----\n"
    try:
        key = serialization.load_pem_public_key(text.encode())
    except ValueError as exc:
        raise ValueError(f"{PUBLIC_KEY_VARIABLE} is not a public key: {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{PUBLIC_KEY_VARIABLE} is not an Ed25519 public key")
    return key


def public_key_line(key: Ed25519PublicKey) -> str:
    """The one-line form of a public key (base64 of its DER), as env files carry it."""
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return "".join(line for line in pem.splitlines() if not line.startswith("-----"))


def _permissions(raw: Any) -> dict[str, frozenset[str]]:
    if not isinstance(raw, dict):
        raise OperatorTokenError("invalid operator token: no permissions")
    out: dict[str, frozenset[str]] = {}
    for group, actions in raw.items():
        if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
            raise OperatorTokenError("invalid operator token: malformed permissions")
        out[str(group)] = frozenset(actions)
    return out


class OperatorTokenVerifier:
    """Checks operator tokens with the leader's public key: signature, `exp`, `iss`, claims."""

    def __init__(self, public_key: Ed25519PublicKey | str):
        self.key = load_public_key(public_key) if isinstance(public_key, str) else public_key

    @staticmethod
    def looks_like_token(token: str) -> bool:
        """Whether a bearer credential has a JWT's shape (so a machine token is not tried)."""
        return token.count(".") == 2 and token.startswith("eyJ")

    def verify(self, token: str) -> Operator:
        """The operator of a valid token; OperatorTokenError otherwise."""
        try:
            claims = jwt.decode(
                token,
                self.key,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "sub", "iss"]},
            )
        except jwt.ExpiredSignatureError:
            raise OperatorTokenError("operator token expired: sign in again") from None
        except jwt.PyJWTError as exc:
            raise OperatorTokenError(f"invalid operator token: {exc}") from None
        username = claims.get("sub")
        if not isinstance(username, str) or not username:
            raise OperatorTokenError("invalid operator token: no operator name")
        return Operator(username, _permissions(claims.get("permissions")), int(claims["exp"]))


log = logging.getLogger("meridian.operator_tokens")
_from_env: dict[str, OperatorTokenVerifier | None] = {}


def verifier_from_env() -> OperatorTokenVerifier | None:
    """The verifier for `MERIDIAN_OPERATOR_PUBLIC_KEY`, built once per value; None when it is unset,
    or malformed (logged once: operator tokens are then refused like any unknown token, and the
    service keeps answering its machine tokens). `check_public_key_env()` logs it at start."""
    text = os.environ.get(PUBLIC_KEY_VARIABLE, "").strip()
    if text not in _from_env:
        try:
            _from_env[text] = OperatorTokenVerifier(text) if text else None
        except ValueError as exc:
            log.error("operator tokens are not accepted: %s", exc)
            _from_env[text] = None
    return _from_env[text]


def public_key_problem() -> str | None:
    """What is wrong with a set `MERIDIAN_OPERATOR_PUBLIC_KEY` (naming it); None when it is unset
    or a valid key."""
    text = os.environ.get(PUBLIC_KEY_VARIABLE, "").strip()
    if not text:
        return None
    try:
        load_public_key(text)
    except ValueError as exc:
        return str(exc)
    return None


def check_public_key_env() -> bool:
    """At a service's start: logs one clear error line when `MERIDIAN_OPERATOR_PUBLIC_KEY` is set
    but malformed (the service still starts: its machine keys work, operator tokens get a 403
    saying why); False then, True otherwise."""
    problem = public_key_problem()
    if problem is not None:
        log.error("%s: operators' tokens will be refused until it is fixed", problem)
    return problem is None
