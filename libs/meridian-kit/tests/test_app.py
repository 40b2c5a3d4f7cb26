"""The kit's app: error shape, validation errors naming fields, request ids, readiness aggregation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import APIRouter, FastAPI
from meridian_kit.app import create_service_app
from meridian_kit.errors import NotFound, Unavailable
from pydantic import BaseModel
from starlette.requests import ClientDisconnect

router = APIRouter()


class Thing(BaseModel):
    name: str
    size: int


@router.get("/missing")
async def missing() -> None:
    raise NotFound("no such thing", detail={"id": 7})


@router.get("/busy")
async def busy() -> None:
    raise Unavailable("backlog full", retry_after=5)


@router.post("/things")
async def create(thing: Thing) -> Thing:
    return thing


@router.get("/boom")
async def boom() -> None:
    raise RuntimeError("unexpected")


@router.post("/left")
async def left() -> None:
    raise ClientDisconnect()


def build(failing: bool) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async def good() -> None:
            return None

        async def bad() -> None:
            if failing:
                raise ConnectionError("connection refused")

        app.state.readiness.add("good", good)
        app.state.readiness.add("engine", bad)
        yield

    return create_service_app("kit-test", lifespan=lifespan, routers=[router])


async def call(app: FastAPI, method: str, path: str, **kw: object) -> httpx.Response:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return await client.request(method, path, **kw)  # type: ignore[arg-type]


async def test_service_error_has_the_one_json_shape() -> None:
    r = await call(build(False), "GET", "/missing")
    assert r.status_code == 404
    assert r.json() == {"error": "no such thing", "detail": {"id": 7}}


async def test_unavailable_sets_retry_after() -> None:
    r = await call(build(False), "GET", "/busy")
    assert r.status_code == 503
    assert r.headers["retry-after"] == "5"


async def test_validation_error_is_400_naming_each_field() -> None:
    r = await call(build(False), "POST", "/things", json={"name": "x", "size": "big"})
    assert r.status_code == 400
    body = r.json()
    assert body["error"] == "invalid request: size"
    assert body["detail"][0]["field"] == "size"


async def test_unknown_route_is_json_404() -> None:
    r = await call(build(False), "GET", "/nowhere")
    assert r.status_code == 404
    assert r.json()["error"] == "Not Found"


async def test_unhandled_error_is_json_500() -> None:
    r = await call(build(False), "GET", "/boom")
    assert r.status_code == 500
    assert r.json() == {"error": "internal error", "detail": None}


async def test_request_id_is_generated_and_passed_through() -> None:
    app = build(False)
    generated = await call(app, "GET", "/healthz")
    assert len(generated.headers["x-request-id"]) >= 32
    given = await call(
        app, "GET", "/healthz", headers={"X-Request-ID": "abcdef0123456789abcdef0123456789"}
    )
    assert given.headers["x-request-id"] == "abcdef0123456789abcdef0123456789"


async def test_request_id_follows_the_gateways_rule() -> None:
    app = build(False)
    for kept in ("user@host:42", "trace-42.a:b", "x" * 128):
        r = await call(app, "GET", "/healthz", headers={"X-Request-ID": kept})
        assert r.headers["x-request-id"] == kept
    for unsafe in ("x" * 129, "a b", 'a"b', "a/b"):
        r = await call(app, "GET", "/healthz", headers={"X-Request-ID": unsafe})
        assert r.headers["x-request-id"] != unsafe


async def test_readyz_names_the_failing_check() -> None:
    r = await call(build(True), "GET", "/readyz")
    assert r.status_code == 503
    body = r.json()
    assert body["failed"] == ["engine"]
    assert "connection refused" in body["checks"]["engine"]
    assert body["checks"]["good"] == "ok"


async def test_readyz_ok_when_every_check_answers() -> None:
    r = await call(build(False), "GET", "/readyz")
    assert r.status_code == 200
    assert r.json() == {"status": "ready", "checks": {"good": "ok", "engine": "ok"}}


async def test_metrics_are_exposed() -> None:
    r = await call(build(False), "GET", "/metrics")
    assert r.status_code == 200
    assert "http_request" in r.text or "python_info" in r.text


async def test_a_client_that_left_is_not_an_unhandled_error(caplog) -> None:  # type: ignore[no-untyped-def]
    r = await call(build(False), "POST", "/left")
    assert r.status_code == 400
    assert not [rec for rec in caplog.records if rec.levelname == "ERROR"]
