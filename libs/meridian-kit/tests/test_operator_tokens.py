"""Operator tokens checked with the leader's public key alone: signature, expiry, issuer, claims."""

from __future__ import annotations

import logging
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from meridian_kit.auth import operator_of_token, write_permission
from meridian_kit.errors import Forbidden, Unauthorized
from meridian_kit.operator_tokens import (
    PUBLIC_KEY_VARIABLE,
    OperatorTokenError,
    OperatorTokenVerifier,
    check_public_key_env,
    load_public_key,
    public_key_line,
    verifier_from_env,
)
from starlette.requests import HTTPConnection

KEY = Ed25519PrivateKey.generate()


def token(key: Ed25519PrivateKey = KEY, **override: Any) -> str:
    """A token as the leader signs one (operators/tokens.py), with claims overridden."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": "config-leader",
        "sub": "alice",
        "permissions": {"settings": ["read"], "users": [], "platformUsers": []},
        "stamp": "s",
        "jti": "j",
        "iat": now,
        "exp": now + 60,
    }
    claims.update(override)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key, algorithm="EdDSA")


def verifier() -> OperatorTokenVerifier:
    return OperatorTokenVerifier(public_key_line(KEY.public_key()))


def test_a_valid_token_gives_the_operator_and_permissions() -> None:
    operator = verifier().verify(token())
    assert operator.username == "alice"
    assert operator.allows("settings", "read")
    assert not operator.allows("settings", "update")
    assert not operator.allows("metrics", "read")


def test_the_one_line_form_and_the_pem_are_the_same_key() -> None:
    pem = KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    line = public_key_line(KEY.public_key())
    assert "\n" not in line and "-----" not in line
    assert load_public_key(pem.decode()) == load_public_key(line)


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        (token(exp=int(time.time()) - 60), "expired"),
        (token(iss="someone-else"), "invalid operator token"),
        (token(iss=None), "invalid operator token"),
        (token(sub=None), "invalid operator token"),
        (token(permissions="all"), "no permissions"),
        (token(permissions={"settings": "read"}), "malformed permissions"),
        (token(key=Ed25519PrivateKey.generate()), "invalid operator token"),
        ("eyJ.not.a-token", "invalid operator token"),
    ],
)
def test_a_bad_token_is_refused_saying_why(bad: str, words: str) -> None:
    with pytest.raises(OperatorTokenError, match=words):
        verifier().verify(bad)


def test_a_token_of_another_algorithm_is_refused() -> None:
    forged = jwt.encode(
        {"iss": "config-leader", "sub": "x", "exp": 9e9, "iat": 0}, "k" * 32, "HS256"
    )
    with pytest.raises(OperatorTokenError):
        verifier().verify(forged)


def test_machine_tokens_do_not_look_like_jwts() -> None:
    assert OperatorTokenVerifier.looks_like_token(token())
    assert not OperatorTokenVerifier.looks_like_token("0123456789abcdef0123456789abcdef")


def test_the_verifier_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PUBLIC_KEY_VARIABLE, raising=False)
    assert verifier_from_env() is None
    monkeypatch.setenv(PUBLIC_KEY_VARIABLE, public_key_line(KEY.public_key()))
    found = verifier_from_env()
    assert found is not None and found.verify(token()).username == "alice"


def test_a_malformed_key_is_logged_at_start_and_named_in_the_403(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # no verifier (operator tokens refused, the service goes on), and the check a service makes
    # at start logs one error line naming the variable
    monkeypatch.setenv(PUBLIC_KEY_VARIABLE, "not a key")
    assert verifier_from_env() is None
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="meridian.operator_tokens"):
        assert check_public_key_env() is False
    assert [r.levelno for r in caplog.records] == [logging.ERROR]
    assert PUBLIC_KEY_VARIABLE in caplog.records[0].getMessage()
    assert "refused" in caplog.records[0].getMessage()
    with pytest.raises(Forbidden, match=f"not accepted: {PUBLIC_KEY_VARIABLE} is not a public key"):
        operator_of_token(token(), "svc")
    caplog.clear()
    monkeypatch.setenv(PUBLIC_KEY_VARIABLE, public_key_line(KEY.public_key()))
    assert check_public_key_env() is True
    monkeypatch.delenv(PUBLIC_KEY_VARIABLE)
    assert check_public_key_env() is True
    assert caplog.records == []
    with pytest.raises(Forbidden, match=f"not accepted: {PUBLIC_KEY_VARIABLE} is not set"):
        operator_of_token(token(), "svc")


def test_a_write_needs_its_permission_a_read_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PUBLIC_KEY_VARIABLE, public_key_line(KEY.public_key()))
    reader = token(permissions={"imports": ["read"]})
    writer = token(permissions={"imports": ["read", "update"]})
    assert operator_of_token("machine-key", "svc", "imports:update") is None
    found = operator_of_token(reader, "svc")
    assert found is not None and found.username == "alice"
    with pytest.raises(Forbidden, match="insufficient permissions: alice lacks imports:update"):
        operator_of_token(reader, "svc", "imports:update")
    with pytest.raises(Forbidden, match="lacks fleet:act"):
        operator_of_token(writer, "svc", "fleet:act")
    found = operator_of_token(writer, "svc", "imports:update")
    assert found is not None and found.allows("imports", "update")
    # a bad token is still a 401, whatever the permission asked
    with pytest.raises(Unauthorized, match="expired"):
        operator_of_token(token(exp=int(time.time()) - 60), "svc", "imports:update")


def test_only_a_write_asks_for_a_permission() -> None:
    def request(method: str, kind: str = "http") -> HTTPConnection:
        return HTTPConnection({"type": kind, "method": method, "path": "/", "headers": []})

    for method in ("GET", "HEAD", "OPTIONS"):
        assert write_permission(request(method), "imports:update") is None
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert write_permission(request(method), "imports:update") == "imports:update"
    assert write_permission(request("GET", "websocket"), "fleet:act") is None
