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
