"""The kit carries a service's typed state: what its lifespan yields, for routes and websockets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, WebSocket
from meridian_kit.app import create_service_app, service_state, state_dependency
from starlette.testclient import TestClient


@dataclass
class Counter:
    """A service's state: built once by its lifespan, closed at shutdown."""

    name: str
    closed: bool = False
    seen: list[str] = field(default_factory=list)


CounterDep = Annotated[Counter, Depends(state_dependency(Counter))]
router = APIRouter()


@router.get("/name")
async def name(counter: CounterDep) -> dict[str, str]:
    counter.seen.append("http")
    return {"name": counter.name}


@router.websocket("/ws")
async def ws(websocket: WebSocket, counter: CounterDep) -> None:
    await websocket.accept()
    await websocket.send_text(counter.name)
    await websocket.close()


def build(yielded: object) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[object]:
        yield yielded
        if isinstance(yielded, Counter):
            yielded.closed = True

    return create_service_app("kit-test", lifespan=lifespan, routers=[router])


async def test_routes_get_the_state_the_lifespan_yielded() -> None:
    counter = Counter("one")
    app = build(counter)
    async with app.router.lifespan_context(app):
        assert service_state(app, Counter) is counter
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            answer = await client.get("/name")
        assert answer.json() == {"name": "one"} and counter.seen == ["http"]
        assert not counter.closed
    assert counter.closed


def test_websockets_get_it_too() -> None:
    with TestClient(build(Counter("two"))) as client, client.websocket_connect("/ws") as socket:
        assert socket.receive_text() == "two"


async def test_a_state_of_another_type_is_refused() -> None:
    app = build("not a counter")
    async with app.router.lifespan_context(app):
        with pytest.raises(TypeError, match="str, not a Counter"):
            service_state(app, Counter)
