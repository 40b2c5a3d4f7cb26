"""A Cassandra session opened in the background and awaited from asyncio."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from cassandra.cluster import Cluster, ResponseFuture, Session

log = logging.getLogger(__name__)


def await_future(future: ResponseFuture) -> asyncio.Future[Any]:
    """Bridges a driver ResponseFuture into an asyncio future."""
    loop = asyncio.get_running_loop()
    result: asyncio.Future[Any] = loop.create_future()

    def settle(rows: Any = None, exc: BaseException | None = None) -> None:
        if result.done():
            return
        if exc is not None:
            result.set_exception(exc)
        else:
            result.set_result(rows)

    def done(rows: Any) -> None:
        loop.call_soon_threadsafe(settle, rows)

    def failed(exc: BaseException) -> None:
        loop.call_soon_threadsafe(settle, None, exc)

    future.add_callbacks(done, failed)
    return result


class CassandraConnection:
    """Connects in the background and keeps retrying, so an outage at start degrades, not crashes."""

    def __init__(self, hosts: list[tuple[str, int]]):
        self.cluster = Cluster(
            [h for h, _ in hosts], port=hosts[0][1], connect_timeout=3, control_connection_timeout=3
        )
        self.session: Session | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Starts connecting; returns at once."""
        self._task = asyncio.create_task(self._connect_forever())

    async def _connect_forever(self) -> None:
        delay = 0.5
        while self.session is None:
            try:
                self.session = await asyncio.to_thread(self.cluster.connect)
            except Exception as exc:
                log.warning("cassandra not reachable yet: %s", exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10)

    async def execute(self, query: Any, params: Any = None) -> Any:
        """Runs one statement; raises when Cassandra is not connected."""
        if self.session is None:
            raise ConnectionError("cassandra: not connected")
        return await await_future(self.session.execute_async(query, params))

    async def ping(self) -> None:
        """A real round trip: reads the node's release version."""
        await self.execute("SELECT release_version FROM system.local")

    async def close(self) -> None:
        """Stops connecting and shuts the driver down."""
        if self._task:
            self._task.cancel()
        await asyncio.to_thread(self.cluster.shutdown)
