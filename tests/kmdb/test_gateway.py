"""kmdb-api through the gateway (/kmdb/), TLS verified against the development CA.

Needs the suite running (`make up`); callers send KMDB_API_TOKEN from .local/dev.env. Writes only
a uniquely named filter entry, removed again.
"""

from __future__ import annotations

import os
import ssl
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
GATEWAY = os.environ.get("GATEWAY_URL", "https://localhost:8443")
CA = os.environ.get("MERIDIAN_CA", str(ROOT / ".local" / "tls" / "ca.crt"))


def client(token: str | None) -> httpx.Client:
    """A client of /kmdb/ through the gateway, sending `token` as its bearer token."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    context = ssl.create_default_context(cafile=CA)
    return httpx.Client(base_url=f"{GATEWAY}/kmdb", verify=context, timeout=10, headers=headers)


@pytest.fixture(scope="module")
def kmdb() -> Iterator[httpx.Client]:
    with client(os.environ["KMDB_API_TOKEN"]) as c:
        yield c


@pytest.fixture(scope="module")
def anonymous() -> Iterator[httpx.Client]:
    with client(None) as c:
        yield c


def test_ready_and_docs_under_the_prefix_need_no_token(anonymous: httpx.Client) -> None:
    ready = anonymous.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert set(ready.json()["checks"]) == {"mysql", "redis", "s3"}
    assert anonymous.get("/healthz").json() == {"status": "ok"}
    assert anonymous.get("/docs").status_code == 200
    assert anonymous.get("/metrics").status_code == 200
    paths = anonymous.get("/openapi.json").json()["paths"]
    assert {"/imports", "/filters/{kind}", "/stats/events", "/users/{identity}/timeline"} <= set(
        paths
    )


def test_every_other_route_needs_the_token(anonymous: httpx.Client, kmdb: httpx.Client) -> None:
    for method, path in [("GET", "/files"), ("GET", "/users/x/timeline"), ("POST", "/imports")]:
        missing = anonymous.request(method, path)
        assert missing.status_code == 401, (path, missing.text)
        assert "Authorization: Bearer" in missing.json()["error"]
        wrong = anonymous.request(method, path, headers={"Authorization": "Bearer wrong-token"})
        assert wrong.status_code == 401 and "wrong token" in wrong.json()["error"]
    assert kmdb.get("/files", params={"limit": 1}).status_code == 200


def test_filter_round_trip_and_errors(kmdb: httpx.Client) -> None:
    name = f"gateway-test-{uuid.uuid4().hex[:8]}@example.com"
    created = kmdb.post("/filters/ignored-users", json={"name": name})
    assert created.status_code == 201, created.text
    try:
        assert name in [f["name"] for f in kmdb.get("/filters/ignored-users").json()]
        again = kmdb.post("/filters/ignored-users", json={"name": name})
        assert again.status_code == 409 and again.json()["error"]
    finally:
        assert kmdb.delete(f"/filters/ignored-users/{name}").status_code == 204
    missing = kmdb.delete(f"/filters/ignored-users/{name}")
    assert missing.status_code == 404 and name in missing.json()["error"]


def test_bad_input_is_a_json_4xx(kmdb: httpx.Client) -> None:
    bad = kmdb.post("/imports", json={"source": "ftp://nowhere/x"})
    assert bad.status_code == 400 and bad.json()["detail"]["field"] == "source"
    # the suite's dev.env allows no folder: API callers cannot make the server read its disk
    disk = kmdb.post("/imports", json={"source": "file:///etc"})
    assert disk.status_code == 400 and "KMDB_API_FILE_SOURCES" in disk.json()["error"]
    nobody = kmdb.get(f"/users/nobody-{uuid.uuid4().hex}/timeline")
    assert nobody.status_code == 404 and "nobody" in nobody.json()["error"]
    dates = kmdb.get("/stats/events", params={"from": "2014-01-02", "to": "2014-01-01"})
    assert dates.status_code == 400 and dates.json()["detail"]["field"] == "to"
    counts = kmdb.get("/stats/events", params={"from": "1999-01-01", "to": "1999-01-02"})
    assert counts.status_code == 200 and counts.json() == []
