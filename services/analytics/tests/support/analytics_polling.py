"""Waiting for background work without asserting on time."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx


async def eventually(
    check: Callable[[], Awaitable[Any]], *, attempts: int = 120, pause: float = 0.5
) -> Any:
    """Polls an async check until it returns something truthy; returns its last answer."""
    for _ in range(attempts):
        value = await check()
        if value:
            return value
        await asyncio.sleep(pause)
    return await check()


async def found(live: httpx.AsyncClient, path: str, params: dict[str, Any]) -> Any:
    """What a lookup answers once the store has made the write searchable (about a second)."""

    async def lookup() -> Any:
        response = await live.get(path, params=params)
        return response.json() if response.status_code == 200 and response.json() else None

    answer = await eventually(lookup)
    assert answer, (path, params)
    return answer
