"""Hostile push bodies get a 400 naming the field, never a 500 (they once reached orjson.dumps),
whatever Content-Type they are sent with."""

from __future__ import annotations

from typing import Any

import httpx
import pytest


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b'[{"channel": "x", "payload": ' + b"[" * 300 + b"]" * 300 + b"}]",
            "nested deeper than 32",
        ),
        (
            b'[{"channel": "x", "payload": ' + b'{"a":' * 300 + b"1" + b"}" * 300 + b"}]",
            "nested deeper than 32",
        ),
        (b'[{"channel": "x", "payload": NaN}]', "0.payload: not a finite number"),
        (b'[{"channel": "x", "payload": Infinity}]', "0.payload: not a finite number"),
        (b'[{"channel": "x", "payload": 1e400}]', "0.payload: not a finite number"),
        (b'[{"channel": "x", "payload": {"n": 184467440737095516160}}]', "0.payload.n: integer"),
    ],
)
async def test_deep_or_non_finite_pushes_are_a_400(
    anonymous: httpx.AsyncClient, bucket: dict[str, Any], keys: Any, body: bytes, message: str
) -> None:
    for content_type in ("application/json", "text/plain"):
        response = await anonymous.post(
            "/api/push",
            headers={**keys(bucket), "Content-Type": content_type},
            content=body,
        )
        assert response.status_code == 400, response.text
        assert message in response.json()["error"]


async def test_a_push_nested_just_within_the_bound_is_taken(
    anonymous: httpx.AsyncClient, bucket: dict[str, Any], keys: Any, drain: Any
) -> None:
    payload = b"[" * 30 + b"]" * 30  # inside the frame array and its object: 32 levels
    body = b'[{"channel": "deep", "payload": ' + payload + b"}]"
    response = await anonymous.post("/api/push", headers=keys(bucket), content=body)
    assert response.status_code == 202, response.text
    await drain()


async def test_a_status_server_name_that_is_not_a_string_is_not_the_server(
    anonymous: httpx.AsyncClient, bucket: dict[str, Any], keys: Any
) -> None:
    status = {"server_name": {"not": "a name"}, "data": {"process": []}}
    response = await anonymous.post(
        "/api/push", headers=keys(bucket), json=[{"channel": "status", "payload": status}]
    )
    assert response.status_code == 202, response.text
    servers = await anonymous.get(f"/api/buckets/{bucket['id']}/servers", headers=keys(bucket))
    assert servers.status_code == 200
