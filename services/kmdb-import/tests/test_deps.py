"""kmdb-api's bearer token: every route but health, metrics and docs needs KMDB_API_TOKEN."""

from __future__ import annotations

import pytest
from kmdb.settings import Settings
from pydantic import ValidationError

PROTECTED = [
    ("GET", "/files"),
    ("GET", "/filters/ignored-users"),
    ("GET", "/users/anyone/timeline"),
    ("GET", "/stats/events?from=2014-01-01&to=2014-01-02"),
    ("POST", "/imports"),
    ("DELETE", "/filters/ignored-users/x"),
]
OPEN = ["/healthz", "/readyz", "/metrics", "/docs", "/openapi.json"]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
async def test_no_token_and_wrong_token_are_401(api_client, method, path):
    async with api_client(token=None) as client:
        missing = await client.request(method, path)
        assert missing.status_code == 401
        assert "Authorization: Bearer" in missing.json()["error"]
        basic = await client.request(method, path, headers={"Authorization": "Basic dTpw"})
        assert basic.status_code == 401 and "missing" in basic.json()["error"]
    async with api_client(token="not-the-token-at-all") as client:
        wrong = await client.request(method, path)
        assert wrong.status_code == 401 and "wrong credentials" in wrong.json()["error"]


async def test_right_token_is_served(api_client):
    async with api_client() as client:
        assert (await client.get("/files")).status_code == 200
        added = await client.post("/filters/ignored-users", json={"name": "robot"})
        assert added.status_code == 201
        assert [f["name"] for f in (await client.get("/filters/ignored-users")).json()] == ["robot"]


async def test_health_metrics_and_docs_are_open(api_client):
    async with api_client(token=None) as client:
        for path in OPEN:
            response = await client.get(path)
            assert response.status_code in (200, 503), (path, response.text)  # readyz may be 503
            assert response.status_code != 401
        schemes = (await client.get("/openapi.json")).json()["components"]["securitySchemes"]
        assert schemes["HTTPBearer"]["scheme"] == "bearer"


async def test_unset_token_disables_the_api(api_client):
    async with api_client(token="whatever-the-client-sends", api_token=None) as client:
        refused = await client.get("/files")
        assert refused.status_code == 403 and "KMDB_API_TOKEN" in refused.json()["error"]
        assert (await client.get("/healthz")).status_code == 200


def test_a_placeholder_token_is_refused_at_start():
    base = {"database_url": "mysql://u:p@127.0.0.1/kmdb", "redis_url": "redis://127.0.0.1"}
    with pytest.raises(ValidationError, match="at least 16 characters"):
        Settings(**base, api_token="changeme")
    assert Settings(**base, api_token="  ").api_token is None
    with pytest.raises(ValidationError, match="absolute"):
        Settings(**base, api_file_sources="/srv/exports:relative/dir")
    roots = Settings(**base, api_file_sources="/srv/a: /srv/b :").api_file_roots
    assert [str(r) for r in roots] == ["/srv/a", "/srv/b"]
