"""What every computation needs: the client, the indices, the cardinality precision, and reads
shared within a batch. Its queries are in `store.py`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from elasticsearch import AsyncElasticsearch

from analytics.storage.indices import Indices
from analytics.taskmanager.client import TaskManager


@dataclass(frozen=True)
class Context:
    """The cluster and settings a computation runs against."""

    es: AsyncElasticsearch
    indices: Indices
    precision_threshold: int = 40000
    # Task and transaction analytics read it; None when TASK_MANAGER_URL is not set.
    task_manager: TaskManager | None = None
    # Within one batch: reads several analytics need (the same query's answer), made once.
    shared: dict[Any, asyncio.Future[Any]] | None = None


async def once(ctx: Context, key: Any, make: Callable[[], Awaitable[Any]]) -> Any:
    """`make()`'s answer; within a batch (ctx.shared) made once for every caller with this key."""
    if ctx.shared is None:
        return await make()
    future = ctx.shared.get(key)
    if future is None:
        future = ctx.shared[key] = asyncio.ensure_future(make())
    return await asyncio.shield(future)
