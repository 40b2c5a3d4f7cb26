"""A request's work stops when its client goes away."""

from __future__ import annotations

import asyncio

import pytest
from metrics_api.series.disconnect import ClientGone, cancel_on_disconnect


async def test_the_work_is_cancelled_when_the_client_disconnects():
    messages = [{"type": "http.request", "body": b"", "more_body": False}]
    gone = asyncio.Event()

    async def receive() -> dict:
        if messages:
            return messages.pop(0)
        await gone.wait()
        return {"type": "http.disconnect"}

    started, cancelled = asyncio.Event(), asyncio.Event()

    async def endless_query() -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    call = asyncio.create_task(cancel_on_disconnect(receive, endless_query()))
    await started.wait()
    gone.set()
    with pytest.raises(ClientGone):
        await call
    assert cancelled.is_set()


async def test_the_answer_comes_back_while_the_client_waits():
    async def receive() -> dict:
        await asyncio.Event().wait()  # the client never leaves
        return {}

    async def query() -> int:
        return 42

    assert await cancel_on_disconnect(receive, query()) == 42


async def test_a_query_stops_when_its_client_leaves_through_every_middleware(app, monkeypatch):
    from metrics_api.series import endpoints as series_endpoints

    from ..conftest import READ_TOKEN

    started, cancelled, leave = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def endless(store, query):  # type: ignore[no-untyped-def]
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    monkeypatch.setattr(series_endpoints, "query_series", endless)
    messages = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive() -> dict:
        if messages:
            return messages.pop(0)
        await leave.wait()
        return {"type": "http.disconnect"}

    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    path = "/api/v1/metrics/raw_gauge/e/a/m"
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"columns=value",
        "root_path": "",
        "headers": [(b"host", b"m"), (b"authorization", f"Bearer {READ_TOKEN}".encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("m", 80),
    }
    call = asyncio.create_task(app(scope, receive, send))
    await started.wait()
    leave.set()
    await call
    assert cancelled.is_set()
    assert sent[0]["status"] == 499  # nobody reads it: the client has gone
