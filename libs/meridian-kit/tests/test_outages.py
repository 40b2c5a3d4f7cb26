"""The one outage rule: an engine's outage is Unavailable (503 + Retry-After) in the app's shape."""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from meridian_kit.app import create_service_app
from meridian_kit.errors import ServiceError, Unavailable
from meridian_kit.outages import Outage, always, answer_outages


class EngineError(Exception):
    """What an engine's client raises."""

    def __init__(self, code: int):
        super().__init__(f"engine error {code}")
        self.code = code


def engine_rule(exc: BaseException) -> Unavailable | None:
    """Code 2006 (gone away) is an outage; any other code is the caller's or our bug."""
    assert isinstance(exc, EngineError)
    return Unavailable("engine is unavailable", retry_after=7) if exc.code == 2006 else None


ENGINE = Outage("engine", (EngineError,), engine_rule)
QUEUE = Outage("queue", (ConnectionRefusedError,), always("queue is unavailable", detail=True))
router = APIRouter()


@router.get("/engine/{code}")
async def engine(code: int) -> None:
    raise EngineError(code)


@router.get("/queue")
async def queue() -> None:
    raise ConnectionRefusedError("refused")


@router.get("/guarded")
async def guarded() -> None:
    with ENGINE.guard():
        raise EngineError(2006)


def build(*, own_shape: bool = False) -> FastAPI:
    app = create_service_app("kit-test", routers=[router])
    answer_outages(app, ENGINE, QUEUE)
    if own_shape:

        @app.exception_handler(ServiceError)
        async def status(_: Request, exc: ServiceError) -> JSONResponse:
            return JSONResponse(
                {"status": exc.message, "code": exc.status_code}, exc.status_code, exc.headers
            )

    return app


async def get(app: FastAPI, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.get(path)


async def test_an_outage_escaping_a_route_is_503_with_retry_after() -> None:
    answer = await get(build(), "/engine/2006")
    assert answer.status_code == 503 and answer.headers["retry-after"] == "7"
    assert answer.json() == {"error": "engine is unavailable", "detail": None}
    queued = await get(build(), "/queue")
    assert queued.status_code == 503 and queued.headers["retry-after"] == "5"
    assert queued.json() == {"error": "queue is unavailable", "detail": "refused"}


async def test_the_guard_gives_the_same_answer() -> None:
    answer = await get(build(), "/guarded")
    assert (answer.status_code, answer.json()["error"]) == (503, "engine is unavailable")


async def test_the_services_own_shape_is_kept() -> None:
    answer = await get(build(own_shape=True), "/engine/2006")
    assert answer.status_code == 503 and answer.headers["retry-after"] == "7"
    assert answer.json() == {"status": "engine is unavailable", "code": 503}


async def test_an_error_that_is_no_outage_stays_a_500() -> None:
    answer = await get(build(), "/engine/1064")
    assert answer.status_code == 500
    assert answer.json() == {"error": "internal error", "detail": None}
    with pytest.raises(EngineError), ENGINE.guard():
        raise EngineError(1064)
