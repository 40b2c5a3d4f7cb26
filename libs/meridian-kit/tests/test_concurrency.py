"""The bound on concurrent requests: beyond it 503 + Retry-After, health probes still answered."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import APIRouter
from meridian_kit.app import create_service_app

router = APIRouter()
release = asyncio.Event()
entered = asyncio.Event()


@router.get("/slow")
async def slow() -> dict[str, str]:
    """Holds its slot until released."""
    entered.set()
    await release.wait()
    return {"status": "done"}


async def test_past_the_bound_the_answer_is_503_with_retry_after() -> None:
    release.clear()
    entered.clear()
    app = create_service_app("kit-test", routers=[router], max_concurrent_requests=1)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        held = asyncio.create_task(client.get("/slow"))
        await asyncio.wait_for(entered.wait(), 10)
        refused = await client.get("/slow")
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "1"
        assert refused.json()["error"].startswith("busy: 1 requests in progress")
        assert (await client.get("/healthz")).status_code == 200
        release.set()
        assert (await held).status_code == 200
        assert (await client.get("/slow")).status_code == 200  # the slot came back


async def test_the_bound_comes_from_the_environment(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MAX_CONCURRENT_REQUESTS", "2")
    release.clear()
    app = create_service_app("kit-test", routers=[router])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        held = []
        for _ in range(2):
            entered.clear()
            held.append(asyncio.create_task(client.get("/slow")))
            await asyncio.wait_for(entered.wait(), 10)
        assert (await client.get("/slow")).status_code == 503
        release.set()
        assert [r.status_code for r in await asyncio.gather(*held)] == [200, 200]
