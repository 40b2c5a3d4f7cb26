"""Where a request carries its key, comparing keys, and the one 401/403 rule."""

from __future__ import annotations

from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials
from meridian_kit.app import create_service_app
from meridian_kit.auth import (
    authorize,
    bearer_challenge,
    bearer_security,
    bearer_token,
    keys_equal,
    match_key,
    presented_key,
    require_key,
)
from meridian_kit.errors import Forbidden, Unauthorized


def request(headers: dict[str, str] | None = None, query: str = "") -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    return Request({"type": "http", "headers": raw, "query_string": query.encode()})


def test_keys_equal_only_for_the_same_key() -> None:
    assert keys_equal("s3cr€t", "s3cr€t")
    assert not keys_equal("s3cr€t", "s3cret")
    assert not keys_equal("", "s3cret")
    assert not keys_equal("s3cret" * 100, "s3cret")


def test_the_header_wins_over_the_query_and_nothing_is_none() -> None:
    assert presented_key(request({"Authorization": "h"}, "auth=q")) == "h"
    assert presented_key(request(query="auth=q")) == "q"
    assert presented_key(request()) is None
    assert presented_key(request({"Authorization": ""}, "auth=")) is None


def test_bearer_token_only_from_the_bearer_scheme() -> None:
    assert bearer_token(request({"Authorization": "Bearer abc "})) == "abc"
    assert bearer_token(request({"Authorization": "bearer abc"})) == "abc"
    assert bearer_token(request({"Authorization": "Basic abc"})) is None
    assert bearer_token(request({"Authorization": "Bearer "})) is None
    assert bearer_token(request()) is None


def test_match_key_finds_the_role_of_the_key() -> None:
    keys = {"r-key": "read", "w-key": "write"}
    assert match_key("w-key", keys) == "write"
    assert match_key("x-key", keys) is None
    assert match_key(None, keys) is None


KEYS = {"r-key": "read", "w-key": "write"}


def test_missing_or_wrong_credentials_are_401_with_the_challenge() -> None:
    for presented in (None, "", "nope"):
        with pytest.raises(Unauthorized) as refused:
            authorize(presented, KEYS, credentials="the token", challenge=bearer_challenge("x"))
        assert refused.value.status_code == 401
        assert refused.value.headers == {"WWW-Authenticate": 'Bearer realm="x"'}
        assert "nope" not in refused.value.message


def test_valid_credentials_without_the_right_are_403() -> None:
    with pytest.raises(Forbidden) as refused:
        authorize("r-key", KEYS, credentials="the token", allowed={"write"})
    assert refused.value.status_code == 403
    assert authorize("w-key", KEYS, credentials="the token", allowed={"write"}) == "write"
    assert authorize("r-key", KEYS, credentials="the token") == "read"


def test_an_unconfigured_key_disables_with_403_naming_the_setting() -> None:
    with pytest.raises(Forbidden) as refused:
        require_key("anything", None, credentials="the token", setting="X_TOKEN")
    assert refused.value.message == "disabled: X_TOKEN is not set"
    with pytest.raises(Unauthorized):
        require_key("anything", "expected", credentials="the token", setting="X_TOKEN")
    require_key("expected", "expected", credentials="the token", setting="X_TOKEN")


router = APIRouter()
_bearer = bearer_security("the test token")


async def guard(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
) -> str:
    """The role of the Bearer token."""
    return authorize(
        credentials.credentials if credentials else None,
        KEYS,
        credentials="`Authorization: Bearer <token>`",
        allowed={"write"},
        challenge=bearer_challenge("kit-test"),
    )


@router.post("/write")
async def write(role: Annotated[str, Depends(guard)]) -> dict[str, str]:
    """Needs the write token."""
    return {"role": role}


async def test_the_answers_have_the_one_shape_and_openapi_declares_bearer() -> None:
    app = create_service_app("kit-test", routers=[router])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        missing = await client.post("/write")
        wrong = await client.post("/write", headers={"Authorization": "Bearer nope"})
        reader = await client.post("/write", headers={"Authorization": "Bearer r-key"})
        writer = await client.post("/write", headers={"Authorization": "Bearer w-key"})
    assert (missing.status_code, wrong.status_code, reader.status_code) == (401, 401, 403)
    assert missing.headers["www-authenticate"] == 'Bearer realm="kit-test"'
    assert missing.json() == {
        "error": "missing credentials: `Authorization: Bearer <token>`",
        "detail": None,
    }
    assert wrong.json()["error"].startswith("wrong credentials")
    assert "www-authenticate" not in reader.headers
    assert writer.json() == {"role": "write"}
    schemes = app.openapi()["components"]["securitySchemes"]
    assert schemes["HTTPBearer"]["scheme"] == "bearer"
