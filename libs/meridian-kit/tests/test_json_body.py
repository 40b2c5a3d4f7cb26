"""The JSON rule: size, depth, finite numbers and 64-bit integers, 400 naming the field."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
from fastapi import APIRouter, Request
from meridian_kit.app import create_service_app
from meridian_kit.errors import BadRequest, ServiceError
from meridian_kit.json_body import JsonRules, find_refused, json_body, parse_json
from pydantic import BaseModel

router = APIRouter()


class Doc(BaseModel):
    data: dict[str, Any]


@router.post("/model")
async def with_model(doc: Doc) -> dict[str, Any]:
    """A route whose body FastAPI parses."""
    return {"keys": sorted(doc.data)}


@router.post("/raw")
async def raw(request: Request) -> dict[str, Any]:
    """A route reading the body itself."""
    body = await json_body(request)
    return {"type": type(body).__name__}


def nested(levels: int) -> bytes:
    return b'{"data": {"x": ' + b"[" * levels + b"1" + b"]" * levels + b"}}"


HOSTILE = [
    (nested(300), "data.x.0.0.0"),
    (b'{"data": {"x": NaN}}', "data.x"),
    (b'{"data": {"x": Infinity}}', "data.x"),
    (b'{"data": {"x": -Infinity}}', "data.x"),
    (b'{"data": {"x": 1e400}}', "data.x"),
    (b'{"data": {"x": [1, -1e400]}}', "data.x.1"),
    (b'{"data": {"x": 184467440737095516160}}', "data.x"),
    (b'{"data": {"x": 9223372036854775808}}', "data.x"),
    (b'{"data": {"x": -9223372036854775809}}', "data.x"),
    (b'{"data": {"x": [0, ' + b"9" * 300 + b"]}}", "data.x.1"),
    (b'{"data": {"x": "a\\ud800b"}}', "data.x"),
    (b'{"data": {"x\\udc00": 1}}', "data.x\\udc00"),
]


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = create_service_app("kit-test", routers=[router])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


@pytest.mark.parametrize(("body", "field"), HOSTILE)
@pytest.mark.parametrize("path", ["/model", "/raw"])
async def test_hostile_bodies_are_400_naming_the_field(
    client: httpx.AsyncClient, path: str, body: bytes, field: str
) -> None:
    r = await client.post(path, content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    detail = r.json()["detail"]
    assert detail[0]["field"].startswith(field)
    assert field in r.json()["error"]


async def test_without_content_type_the_body_is_checked_too(client: httpx.AsyncClient) -> None:
    r = await client.post("/raw", content=b'{"x": NaN}')
    assert r.status_code == 400
    assert r.json()["detail"] == [
        {"field": "x", "message": "not a finite number (NaN, Infinity, beyond a double)"}
    ]


async def test_malformed_json_is_400(client: httpx.AsyncClient) -> None:
    for path in ("/model", "/raw"):
        r = await client.post(
            path, content=b'{"data": ', headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 400
        assert r.json()["detail"][0]["field"] == "body"


async def test_valid_bodies_pass_up_to_the_limits(client: httpx.AsyncClient) -> None:
    edge = {
        "data": {
            # with the root object and data's, 32 nested arrays/objects: the limit
            "deep": orjson.loads(b"[" * 30 + b"1" + b"]" * 30),
            "empty": orjson.loads(b"[" * 29 + b"[]" + b"]" * 29),
            "big": 9223372036854775807,
            "small": -9223372036854775808,
            "float": 1.7e308,
            "long float": 12345678901234567890.5,
            "digits in a string": "time:12345678901234567890123",
            "brackets in a string": "[" * 100,
        }
    }
    r = await client.post("/model", json=edge)
    assert r.status_code == 200, r.text
    r = await client.post("/raw", json=edge)
    assert r.json() == {"type": "dict"}


async def test_other_content_types_are_left_to_the_route(client: httpx.AsyncClient) -> None:
    r = await client.post("/model", content=b"NaN", headers={"Content-Type": "text/plain"})
    assert r.status_code == 400  # FastAPI's own validation, not the JSON rule
    assert "invalid JSON body" not in r.json()["error"]


async def test_a_body_beyond_the_size_limit_is_413() -> None:
    app = create_service_app("kit-test", routers=[router], json_rules=JsonRules(max_bytes=100))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        r = await client.post("/raw", json={"data": {"x": "y" * 200}})
        assert r.status_code == 413
        assert "MAX_JSON_BODY_BYTES" in r.json()["error"]

        async def chunks() -> AsyncIterator[bytes]:
            for chunk in (b'{"data": "', b"y" * 200, b'"}'):
                yield chunk

        chunked = await client.post("/raw", content=chunks())
        assert chunked.status_code == 413


async def test_the_errors_come_out_in_the_apps_own_shape() -> None:
    app = create_service_app("kit-test", routers=[router])

    @app.exception_handler(ServiceError)
    async def _shape(_: Request, exc: ServiceError) -> Any:
        from fastapi.responses import JSONResponse

        return JSONResponse({"status": exc.message, "code": exc.status_code}, exc.status_code)

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        r = await client.post("/raw", content=b'{"x": 1e400}')
    assert r.json() == {
        "status": "invalid JSON body: x: not a finite number (NaN, Infinity, beyond a double)",
        "code": 400,
    }


def test_parse_json_names_the_deepest_path_and_keeps_valid_values() -> None:
    with pytest.raises(BadRequest) as refused:
        parse_json(b'{"a": [{"b": ' + b"[" * 40 + b"]" * 40 + b"}]}", max_depth=32)
    assert refused.value.detail[0]["field"] == "a.0.b" + ".0" * 29
    assert parse_json(b'{"a": 1}') == {"a": 1}
    assert parse_json(b"[" * 32 + b"1" + b"]" * 32) is not None
    assert parse_json(b"[" * 32 + b"]" * 32) is not None
    for body in (b"[" * 33 + b"1" + b"]" * 33, b"[" * 33 + b"]" * 33, b"[" * 2000 + b"]" * 2000):
        with pytest.raises(BadRequest) as too_deep:
            parse_json(body)
        assert "nested deeper than 32 arrays/objects" in too_deep.value.message
    assert find_refused({"a": [1.0, math.inf]}) is not None
    assert find_refused({"a": [1.0, 2]}) is None


def test_small_and_large_bodies_get_the_same_depth_rule() -> None:
    """A small body's containers are walked, a large one is parsed under padding: same verdicts."""
    filler = b'"' + b"x" * 20_000 + b'"'
    for nested, allowed in ((32, True), (33, False)):
        deep = b'{"k": ' + b"[" * (nested - 1) + b"]" * (nested - 1) + b"}"
        for body in (deep, b"[" + filler + b"," + deep[6:-1] + b"]"):
            if allowed:
                assert parse_json(body) is not None
            else:
                with pytest.raises(BadRequest, match="nested deeper than 32"):
                    parse_json(body)


async def test_an_exempt_path_gets_the_body_as_sent() -> None:
    app = create_service_app("kit-test", routers=[router], raw_json_paths=["/raw"])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        r = await client.post("/raw", content=b'{"x": NaN}')
        assert r.status_code == 400  # json_body() in the route applied the rule itself
        assert r.json()["detail"][0]["field"] == "x"
        other = await client.post("/model", content=b'{"data": {"x": NaN}}')
        assert other.status_code == 400


@pytest.mark.parametrize("body", [b"1],[2", b" ", b"[1]]", b"1] [2", b'{"a": 1}, {"b": 2}'])
def test_what_is_not_one_json_value_stays_refused(body: bytes) -> None:
    with pytest.raises(BadRequest) as refused:
        parse_json(body)
    assert refused.value.detail[0]["field"] == "body"
    assert "char" in refused.value.message  # orjson's position, in the body as sent


def test_positions_in_errors_are_those_of_the_body_sent() -> None:
    with pytest.raises(BadRequest) as refused:
        parse_json(b'{"a": tru}')
    assert "(char 6)" in refused.value.message


async def test_an_absurd_content_length_is_read_as_unknown() -> None:
    app = create_service_app("kit-test", routers=[router], json_rules=JsonRules(max_bytes=100))
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b'{"x": 1}', "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/raw",
        "raw_path": b"/raw",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"9" * 5000)],
        "http_version": "1.1",
        "scheme": "http",
        "server": ("t", 80),
        "client": ("c", 1),
    }
    async with app.router.lifespan_context(app):
        await app(scope, receive, send)
    assert sent[0]["status"] == 200
