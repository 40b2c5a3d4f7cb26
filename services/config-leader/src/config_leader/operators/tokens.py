"""Operators' tokens: JWTs signed by the leader's Ed25519 key (EdDSA), short-lived.

Claims: `sub` (the operator), `permissions` (as at login), `stamp` (ends with a password change),
`jti` (ends with a logout), `iat`, `exp`, `iss` = "config-leader". Another service can check a
token with the public key alone (GET /auth/public-key); the leader also checks the operator still
exists with the same stamp, that the token was not logged out, and uses the current permissions.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from meridian_kit.operator_tokens import public_key_line

from config_leader.operators.permissions import Permissions

ISSUER = "config-leader"
ALGORITHM = "EdDSA"


def new_private_key_pem() -> bytes:
    """A fresh Ed25519 private key in PEM (PKCS#8)."""
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@dataclass(frozen=True)
class TokenClaims:
    """What a valid token says."""

    username: str
    stamp: str
    jti: str
    expires_at: int


class InvalidToken(Exception):
    """Not a token of this leader, or expired."""


class TokenSigner:
    """Issues and checks tokens with one key pair."""

    def __init__(self, private_pem: bytes, ttl_seconds: int):
        key = serialization.load_pem_private_key(private_pem, password=None)
        assert isinstance(key, Ed25519PrivateKey)
        self._private = key
        self._public = key.public_key()
        self.ttl_seconds = ttl_seconds
        self.public_pem = self._public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()
        # what services check tokens with (meridian_kit.operator_tokens), one line for env files
        self.public_key_line = public_key_line(self._public)

    def issue(self, username: str, permissions: Permissions, stamp: str) -> tuple[str, int]:
        """A new token and when it expires (Unix seconds)."""
        now = int(time.time())
        expires_at = now + self.ttl_seconds
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "sub": username,
            "permissions": permissions.as_json(),
            "stamp": stamp,
            "jti": secrets.token_urlsafe(16),
            "iat": now,
            "exp": expires_at,
        }
        return jwt.encode(claims, self._private, algorithm=ALGORITHM), expires_at

    def check(self, token: str) -> TokenClaims:
        """The claims of a token signed here and not expired; InvalidToken otherwise."""
        try:
            claims = jwt.decode(
                token,
                self._public,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "jti", "iss"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("token expired: sign in again (POST /auth/login)") from None
        except jwt.PyJWTError:
            raise InvalidToken("invalid token") from None
        stamp = claims.get("stamp")
        if not isinstance(stamp, str) or not isinstance(claims["sub"], str):
            raise InvalidToken("invalid token")
        return TokenClaims(claims["sub"], stamp, str(claims["jti"]), int(claims["exp"]))
