"""A Cassandra outage degrades the service to 503s and it recovers by itself afterwards.

The outage is made without touching the shared Cassandra: the app reaches it through a TCP relay
of this test's own, which is cut and restored (connections dropped, new ones refused)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from metrics_api.app import create_app

from .conftest import CASSANDRA, WRITE_HEADERS, settings_for

UTC = dt.UTC


class Relay:
    """Forwards a local port to Cassandra; cut() drops every connection and refuses new ones."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = 0
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    async def open(self) -> None:
        """Listens (again, on the same port once it has one)."""
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """Stops listening and drops every relayed connection."""
        assert self.server is not None
        self.server.close()
        for writer in list(self.writers):
            writer.close()
        await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self.writers -= {writer, up_writer}


@pytest.fixture
async def relayed(keyspace: str) -> AsyncIterator[tuple[FastAPI, Relay]]:
    host, _, port = CASSANDRA.split(",")[0].partition(":")
    relay = Relay((host, int(port or 9042)))
    await relay.open()
    app = create_app(
        settings_for(keyspace).model_copy(update={"cassandra": f"127.0.0.1:{relay.port}"})
    )
    async with app.router.lifespan_context(app):
        async with asyncio.timeout(60):
            await app.state.service.cassandra.wait_connected()
        yield app, relay
    if relay.server is not None and relay.server.is_serving():
        await relay.cut()


def gauge(env: str, second: int) -> dict[str, object]:
    when = dt.datetime(2024, 9, 1, tzinfo=UTC) + dt.timedelta(seconds=second)
    return {
        "environment": env,
        "application": "a",
        "metric_name": "g",
        "metric_timestamp": when.isoformat(),
        "value": float(second),
    }


async def test_an_outage_gives_503s_and_the_service_recovers(relayed, env):
    app, relay = relayed
    params = {
        "columns": "value",
        "start_timestamp": "2024-09-01T00:00:00",
        "end_timestamp": "2024-09-01T01:00:00",
    }
    url = f"/api/v1/metrics/raw_gauge/{env}/a/g"
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://m", headers=WRITE_HEADERS
    ) as client:
        assert (
            await client.post("/api/v1/metrics/raw_gauge", json={"points": [gauge(env, 0)]})
        ).status_code == 200

        await relay.cut()
        ready = await client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["failed"] == ["cassandra"]
        read = await client.get(url, params=params)
        assert read.status_code == 503 and "cassandra" in read.json()["error"]
        write = await client.post("/api/v1/metrics/raw_gauge", json={"points": [gauge(env, 1)]})
        assert write.status_code == 503 and write.headers["retry-after"]
        assert (await client.get("/healthz")).status_code == 200  # degraded, not dead

        await relay.open()
        for _ in range(120):  # the driver reconnects by itself
            if (await client.get("/readyz")).status_code == 200:
                break
            await asyncio.sleep(0.5)
        else:
            pytest.fail("metrics-api did not become ready again after the outage")
        # The client retries the refused write; it lands once, next to the earlier point.
        for _ in range(2):
            retry = await client.post("/api/v1/metrics/raw_gauge", json={"points": [gauge(env, 1)]})
            assert retry.status_code == 200, retry.text
        rows = (await client.get(url, params=params)).json()["data"]["rows"]
        assert [row[1] for row in rows] == [0.0, 1.0]
