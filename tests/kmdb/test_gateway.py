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
from urllib.parse import quote

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
    # Prometheus' /metrics is for the machine's scraper, closed at the gateway
    assert anonymous.get("/metrics").status_code == 404
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
        assert wrong.status_code == 401 and "wrong" in wrong.json()["error"]
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


def fields(response: httpx.Response) -> set[str]:
    """The fields a 400 names (a parameter without its query./path. prefix)."""
    detail = response.json()["detail"]
    if isinstance(detail, dict):
        return {detail["field"]}
    return {d["field"].removeprefix("query.").removeprefix("path.") for d in detail}


def test_integer_parameters_are_bounded(kmdb: httpx.Client) -> None:
    huge = kmdb.get("/files", params={"offset": "999999999999999999999"})
    assert huge.status_code == 400 and fields(huge) == {"offset"}, huge.text
    revision = kmdb.get("/files/999999999999999999999")
    assert revision.status_code == 400 and fields(revision) == {"revision"}, revision.text


def test_a_bad_source_is_the_callers_error_not_an_outage(kmdb: httpx.Client) -> None:
    dots = kmdb.post("/imports", json={"source": "s3://../.."})
    assert dots.status_code == 400, dots.text
    assert dots.json()["detail"]["field"] == "source" and "retry-after" not in dots.headers
    missing = kmdb.post("/imports", json={"source": f"s3://kmdb-missing-{uuid.uuid4().hex[:12]}"})
    assert missing.status_code == 404, missing.text
    assert missing.json()["detail"]["field"] == "source" and "retry-after" not in missing.headers


def test_control_characters_in_a_filter_name_are_refused(kmdb: httpx.Client) -> None:
    for name in ("gateway-test\nnewline", "gateway-test\x00nul"):
        refused = kmdb.post("/filters/whitelisted-events", json={"name": name})
        assert refused.status_code == 400 and fields(refused) == {"name"}, refused.text
    listed = [f["name"] for f in kmdb.get("/filters/whitelisted-events").json()]
    assert not [n for n in listed if n.startswith("gateway-test") and not n.isprintable()]


def test_names_that_a_path_cannot_carry_are_deleted_by_query(kmdb: httpx.Client) -> None:
    tag = uuid.uuid4().hex[:8]
    for name in (f"../../../../../gw-{tag}", f"gw-{tag}//a b?c#d%2F", f"gw-{tag}-ünï 😀"):
        created = kmdb.post("/filters/blacklisted-properties", json={"name": name})
        assert created.status_code == 201, created.text
        gone = kmdb.delete("/filters/blacklisted-properties", params={"name": name})
        assert gone.status_code == 204, (name, gone.text)
    # a plain percent-encoded path works as well, dots encoded so no client folds them
    name = f"gw-{tag}/x.y"
    assert kmdb.post("/filters/blacklisted-properties", json={"name": name}).status_code == 201
    path = quote(name, safe="").replace(".", "%2E")
    assert kmdb.delete(f"/filters/blacklisted-properties/{path}").status_code == 204
