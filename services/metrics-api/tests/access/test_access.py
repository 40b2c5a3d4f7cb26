"""Who may call what: no token → 401 on every route but health and docs, the read token reads, only
the write token writes (403 for the read token), /metrics (Prometheus) wants a token too."""

from __future__ import annotations

import re

import httpx
import pytest
from metrics_api.app import create_app

from ..conftest import READ_TOKEN, settings_for

OPEN = {"/healthz", "/readyz"}
WRITE_METHODS = {"POST", "PUT", "DELETE"}


def api_routes(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(method, path with every {param} filled) of each API route in the OpenAPI."""
    out = []
    for path, item in app.openapi()["paths"].items():
        if path not in OPEN:
            filled = re.sub(r"\{[^}]+\}", "x", path)
            out += [(method.upper(), filled) for method in sorted(item)]
    return out


async def test_every_route_wants_a_token(app, anonymous):
    routes = api_routes(app)
    assert len(routes) == 14
    for method, path in routes:
        r = await anonymous.request(method, path)
        assert r.status_code == 401, (method, path, r.text)
        assert r.json()["error"].startswith("missing credentials")
        assert r.headers["www-authenticate"].startswith("Bearer")


async def test_a_wrong_token_is_401(app, anonymous):
    for method, path in api_routes(app):
        r = await anonymous.request(method, path, headers={"Authorization": "Bearer nope"})
        assert r.status_code == 401, (method, path)
        assert r.json()["error"].startswith("wrong credentials")


async def test_the_read_token_reads_and_cannot_write(app, reader):
    for method, path in api_routes(app):
        r = await reader.request(method, path, json={})
        if method in WRITE_METHODS:
            assert r.status_code == 403, (method, path, r.text)
            assert "METRICS_API_WRITE_TOKEN" in r.json()["error"]
        else:
            assert r.status_code not in (401, 403), (method, path, r.text)


async def test_only_a_bearer_token_counts_and_the_write_token_reads(client, anonymous):
    for header in (READ_TOKEN, f"Basic {READ_TOKEN}"):
        r = await anonymous.get("/api/v1/environments/", headers={"Authorization": header})
        assert r.status_code == 401
    r = await anonymous.get("/api/v1/environments/", params={"auth": READ_TOKEN})
    assert r.status_code == 401  # never in a URL, where access logs would keep it
    assert (await client.get("/api/v1/environments/")).status_code == 200


async def test_no_token_configured_is_403_naming_the_settings(keyspace):
    app = create_app(settings_for(keyspace, read_token="", write_token=""))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://m") as c:
            r = await c.get("/api/v1/metrics", headers={"Authorization": "Bearer x"})
    assert r.status_code == 403 and "METRICS_API_WRITE_TOKEN" in r.json()["error"]


async def test_health_and_docs_are_open_and_prometheus_is_not(anonymous, reader):
    for path in ("/healthz", "/readyz", "/openapi.json", "/docs"):
        assert (await anonymous.get(path)).status_code == 200, path
    assert (await anonymous.get("/metrics")).status_code == 401
    assert (await reader.get("/metrics")).status_code == 200


@pytest.fixture
def openapi(app) -> dict:  # type: ignore[no-untyped-def]
    return app.openapi()


def test_the_openapi_declares_every_answer(openapi):
    operations = [
        (path, method, op)
        for path, item in openapi["paths"].items()
        for method, op in item.items()
        if path not in OPEN
    ]
    assert len(operations) == 14
    for path, method, op in operations:
        codes = set(op["responses"])
        ok = {"200", "201"} & codes
        assert ok, (method, path)
        body = op["responses"][ok.pop()]["content"]["application/json"]["schema"]
        assert body.get("$ref") or body.get("properties"), (method, path, body)
        # 403: the read token on a write, or no token configured at all
        assert {"400", "401", "403", "503"} <= codes, (method, path, codes)
        assert op["security"] == [{"HTTPBearer": []}], (method, path)
