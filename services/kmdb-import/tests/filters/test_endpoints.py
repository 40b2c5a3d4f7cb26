"""/filters/{kind} over HTTP (in process, real MariaDB): add, list, remove, bad names."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest


@pytest.fixture
async def client(api_client, tmp_path) -> AsyncIterator[httpx.AsyncClient]:
    """The API with the right token, allowed to import file:// sources under tmp_path."""
    async with api_client(api_file_sources=str(tmp_path)) as c:
        yield c


async def test_filters_crud_and_errors(client):
    r = await client.post("/filters/ignored-users", json={"name": "robot/7"})
    assert r.status_code == 201 and r.json()["name"] == "robot/7"
    r = await client.post("/filters/ignored-users", json={"name": "robot/7"})
    assert r.status_code == 409 and "already" in r.json()["error"]
    assert [f["name"] for f in (await client.get("/filters/ignored-users")).json()] == ["robot/7"]
    assert (await client.get("/filters/whitelisted-events")).json() == []
    r = await client.post("/filters/blacklisted-properties", json={"name": ""})
    assert r.status_code == 400 and r.json()["detail"][0]["field"] == "name"
    r = await client.post("/filters/blacklisted-properties", json={"name": "x" * 256})
    assert r.status_code == 400
    r = await client.get("/filters/everything")
    assert r.status_code == 400 and "kind" in r.json()["error"]
    assert (await client.delete("/filters/ignored-users/robot/7")).status_code == 204
    r = await client.delete("/filters/ignored-users/robot/7")
    assert r.status_code == 404 and "robot/7" in r.json()["error"]
