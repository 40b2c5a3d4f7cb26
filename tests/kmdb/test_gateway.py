"""kmdb-api through the gateway (/kmdb/), TLS verified against the development CA.

Needs the suite running (`make up`). Writes only a uniquely named filter entry, removed again.
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


@pytest.fixture(scope="module")
def kmdb() -> Iterator[httpx.Client]:
    context = ssl.create_default_context(cafile=CA)
    with httpx.Client(base_url=f"{GATEWAY}/kmdb", verify=context, timeout=10) as client:
        yield client


def test_ready_and_docs_under_the_prefix(kmdb: httpx.Client) -> None:
    ready = kmdb.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert set(ready.json()["checks"]) == {"mysql", "redis", "s3"}
    assert kmdb.get("/docs").status_code == 200
    paths = kmdb.get("/openapi.json").json()["paths"]
    assert {"/imports", "/filters/{kind}", "/stats/events", "/users/{identity}/timeline"} <= set(
        paths
    )


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
    nobody = kmdb.get(f"/users/nobody-{uuid.uuid4().hex}/timeline")
    assert nobody.status_code == 404 and "nobody" in nobody.json()["error"]
    dates = kmdb.get("/stats/events", params={"from": "2014-01-02", "to": "2014-01-01"})
    assert dates.status_code == 400 and dates.json()["detail"]["field"] == "to"
    counts = kmdb.get("/stats/events", params={"from": "1999-01-01", "to": "1999-01-02"})
    assert counts.status_code == 200 and counts.json() == []
