"""The original metrics_server frontend against us: its build (original_build.py), a private
metrics-api on a keyspace of its own, and a private gateway rendered from gateway/routes.toml that
serves the build at / and metrics-api at /api/v1/, adding the read token to requests without one
(root_routes_token), as an operator would run the original frontend with Meridian."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cassandra.cluster import Cluster

from tests.gateway.conftest import DEV_TLS, free_port, start_gateway, stop_gateway
from tests.metrics_ui.original_build import Unavailable, build_original

CASSANDRA = os.environ.get("METRICS_SERVER_CASSANDRA", "127.0.0.1:9042")


@dataclass
class Stack:
    """The private metrics-api and the gateway in front of it."""

    api: str  # http://127.0.0.1:<port>, the service itself
    site: str  # https://localhost:<port>, the gateway: the original frontend and /api/v1/
    read_token: str
    write_token: str
    ca: str  # the private gateway's development CA

    @property
    def write(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.write_token}"}


@pytest.fixture(scope="session")
def original_frontend() -> Path:
    """The original frontend, built into .local/metrics-ui/build (skips if its sources can't be had)."""
    try:
        return build_original()
    except Unavailable as why:
        pytest.skip(str(why))


@pytest.fixture(scope="module")
def private_api() -> Iterator[tuple[str, str, str]]:
    """metrics-api (its console script) on a fresh keyspace: (url, read token, write token)."""
    host, _, port = CASSANDRA.split(",")[0].partition(":")
    cluster = Cluster([host], port=int(port or 9042), connect_timeout=5)
    session = cluster.connect()
    keyspace = f"metric_data_test_ui_{uuid.uuid4().hex[:10]}"
    read_token, write_token = f"read-{uuid.uuid4().hex}", f"write-{uuid.uuid4().hex}"
    http_port = free_port()
    env = {
        **os.environ,
        "METRICS_SERVER_CASSANDRA": CASSANDRA,
        "METRICS_SERVER_KEYSPACE": keyspace,
        "METRICS_API_READ_TOKEN": read_token,
        "METRICS_API_WRITE_TOKEN": write_token,
        "WEB_CONCURRENCY": "1",
    }
    env.pop("METRICS_SERVER_DASHBOARD_DIR", None)
    log = tempfile.TemporaryFile()  # noqa: SIM115 - read back only if the server fails to start
    exe = Path(sys.executable).with_name("metrics-api")
    proc = subprocess.Popen([str(exe), "--port", str(http_port)], env=env, stderr=log)
    url = f"http://127.0.0.1:{http_port}"
    try:
        for _ in range(240):  # the schema is created on start
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                break
            time.sleep(0.5)
        else:
            proc.terminate()
        if proc.poll() is not None:
            log.seek(0)
            pytest.fail(f"metrics-api did not start: {log.read()[-2000:]!r}")
        yield url, read_token, write_token
    finally:
        proc.terminate()
        proc.wait(15)
        log.close()
        session.execute(f"DROP KEYSPACE IF EXISTS {keyspace}")
        cluster.shutdown()


@pytest.fixture(scope="module")
def stack(
    original_frontend: Path,
    private_api: tuple[str, str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    """The private gateway: the original's build at /, metrics-api at /api/v1/ (read token added)."""
    url, read_token, write_token = private_api
    base = tmp_path_factory.mktemp("metrics-ui-gateway")
    tls_dir = base / "tls"
    subprocess.run(["bash", str(DEV_TLS), str(tls_dir)], check=True, capture_output=True)
    variables = base / "gateway.env"
    variables.write_text(f"GATEWAY_ROOT_ROUTES_TOKEN={read_token}\n")
    gateway = start_gateway(
        base,
        tls_dir,
        "--vars-file",
        str(variables),
        "--upstream",
        f"metrics-api={url.removeprefix('http://')}",
        "--dashboard-root",
        str(original_frontend),
    )
    try:
        yield Stack(url, gateway.https, read_token, write_token, str(tls_dir / "ca.crt"))
    finally:
        stop_gateway(gateway)
