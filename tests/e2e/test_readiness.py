"""End to end through the gateway with TLS verified: every service is ready, and readiness really
touches each engine: stop it, the services that use it answer 503 naming it; start it, 200 again."""

from __future__ import annotations

import subprocess
import time

import httpx
import pytest

from tests.e2e.conftest import GATEWAY, ROOT, tls, wait_ready

STACK = ROOT / "deploy" / "local" / "stack.sh"

PREFIXES = wait_ready.gateway_prefixes()
# engine (as the stack names it) -> services whose readiness must fail without it, and the check name
USERS = {
    "redis": [("ingest", "redis"), ("analytics", "redis"), ("kmdb-import", "redis")],
    "mongodb": [("ingest", "mongodb")],
    "elasticsearch": [("ingest", "elasticsearch"), ("analytics", "elasticsearch")],
    "mariadb": [("kmdb-import", "mysql")],
    "s3": [("kmdb-import", "s3")],
    "cassandra": [("metrics-api", "cassandra")],
}


@pytest.fixture(scope="module")
def gateway() -> httpx.Client:
    with httpx.Client(base_url=GATEWAY, verify=tls(), timeout=10) as client:
        yield client


def readyz(client: httpx.Client, service: str) -> httpx.Response:
    return client.get(f"{PREFIXES[service]}/readyz")


def wait_status(
    client: httpx.Client, service: str, status: int, seconds: float = 90
) -> httpx.Response:
    deadline = time.monotonic() + seconds
    while True:
        r = readyz(client, service)
        if r.status_code == status or time.monotonic() > deadline:
            return r
        time.sleep(0.5)


@pytest.mark.parametrize("service", list(PREFIXES))
def test_every_service_is_ready_through_the_gateway(gateway: httpx.Client, service: str) -> None:
    r = readyz(gateway, service)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "ready"
    assert r.headers.get("x-request-id")


def test_the_follower_is_ready() -> None:
    r = httpx.get("http://127.0.0.1:8106/readyz", timeout=10)
    assert r.status_code == 200, r.text


@pytest.mark.outage
@pytest.mark.parametrize("engine", list(USERS))
def test_readiness_touches_the_engine(gateway: httpx.Client, engine: str) -> None:
    subprocess.run(["bash", str(STACK), "stop", engine], check=True, capture_output=True)
    try:
        for service, check in USERS[engine]:
            r = wait_status(gateway, service, 503)
            assert r.status_code == 503, f"{service} still ready with {engine} stopped: {r.text}"
            body = r.json()
            assert check in body["failed"], body
            assert check in body["error"]
    finally:
        subprocess.run(["bash", str(STACK), "start", engine], check=True, capture_output=True)
    for service, _ in USERS[engine]:
        r = wait_status(gateway, service, 200, seconds=240)
        assert r.status_code == 200, f"{service} not ready again after {engine} restarted: {r.text}"
