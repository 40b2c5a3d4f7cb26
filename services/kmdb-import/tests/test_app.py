"""kmdb-api's app: health and readiness (in process)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest


@pytest.fixture
async def client(api_client, tmp_path) -> AsyncIterator[httpx.AsyncClient]:
    """The API with the right token, allowed to import file:// sources under tmp_path."""
    async with api_client(api_file_sources=str(tmp_path)) as c:
        yield c


async def test_health(client):
    assert (await client.get("/healthz")).status_code == 200
    ready = await client.get("/readyz")
    assert ready.status_code in (200, 503)
