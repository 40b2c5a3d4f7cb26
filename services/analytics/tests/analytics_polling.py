"""Waiting for background work without asserting on time."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any


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
