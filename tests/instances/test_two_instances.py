"""Two instances of a real service share everything a request needs (issue 15 §2): state lives in
the engines, never in one process's memory.

Runs only with MERIDIAN_INSTANCE_TESTS=1 (`make test-instances`): it starts two private instances
of a service on free ports with the suite's settings (deploy/local/with-env.sh, as supervisord
does) against the running suite's engines, and stops them after; the suite itself is not touched.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.instances.private_processes import REPO_ROOT, free_port, stop

pytestmark = pytest.mark.skipif(
    os.environ.get("MERIDIAN_INSTANCE_TESTS") != "1",
    reason="starts private service instances: `make test-instances` (MERIDIAN_INSTANCE_TESTS=1)",
)

WITH_ENV = REPO_ROOT / "deploy" / "local" / "with-env.sh"
VENV_BIN = REPO_ROOT / ".venv" / "bin"
READY_DEADLINE = 90.0


def wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Waits until the instance's /readyz answers 200, failing early if it exited."""
    deadline = time.monotonic() + READY_DEADLINE
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{url}: exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"{url} not ready in {READY_DEADLINE:.0f} s: {log.read_text()[-2000:]}")


@pytest.fixture
def instances(tmp_path: Path) -> Iterator[Callable[[str, str, str, int], list[str]]]:
    """start(service, console script, gateway prefix, count) -> the instances' base URLs."""
    started: list[subprocess.Popen[bytes]] = []

    def start(service: str, script: str, prefix: str, count: int) -> list[str]:
        urls = []
        for k in range(1, count + 1):
            port = free_port()
            log = tmp_path / f"{service}-{k}.log"
            process = subprocess.Popen(
                [str(WITH_ENV), str(VENV_BIN / script), "--port", str(port)],
                env={**os.environ, "MERIDIAN_SERVICE": service, "ROOT_PATH": prefix},
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
                cwd=REPO_ROOT,
            )
            started.append(process)
            url = f"http://127.0.0.1:{port}"
            wait_ready(url, process, log)
            urls.append(url)
        return urls

    yield start
    for process in started:
        stop(process)


@pytest.mark.parametrize(
    ("service", "script", "prefix"),
    [
        ("ingest", "ingest", "/ingest"),
        ("analytics", "analytics", "/analytics"),
        ("kmdb-import", "kmdb-api", "/kmdb"),
        ("config-leader", "config-leader", "/config"),
    ],
)
def test_a_second_instance_of_each_service_gets_ready_beside_the_suites(
    instances, service: str, script: str, prefix: str
) -> None:
    """What `make up <SERVICE>_INSTANCES=2` starts: the same command and settings on another port,
    ready (its /readyz answered 200: its engines answer) while the suite's instance keeps running.
    Readiness is not asked twice: a busy shared engine may make it flap on this machine."""
    (url,) = instances(service, script, prefix, 1)
    assert httpx.get(f"{url}/healthz", timeout=10).status_code == 200


def test_a_dashboard_saved_through_one_instance_is_read_through_the_other(instances) -> None:
    first, second = instances("metrics-api", "metrics-api", "/metrics", 2)
    write = {"Authorization": f"Bearer {os.environ['METRICS_API_WRITE_TOKEN']}"}
    read = {"Authorization": f"Bearer {os.environ['METRICS_API_READ_TOKEN']}"}
    name = f"r2-instances-{uuid.uuid4().hex[:12]}"
    one = f"/api/v1/dashboards/time_series/{name}"
    try:
        created = httpx.post(
            f"{first}/api/v1/dashboards",
            json={"name": name, "type": "time_series", "data": {"charts": ["cpu"]}},
            headers=write,
        )
        assert created.status_code == 200, created.text
        seen = httpx.get(f"{second}{one}", headers=read)
        assert seen.status_code == 200, seen.text
        assert seen.json()["dashboard"]["data"] == {"charts": ["cpu"]}
        listed = httpx.get(f"{second}/api/v1/dashboards/time_series", headers=read).json()
        assert name in {dashboard["name"] for dashboard in listed["dashboards"]}

        replaced = httpx.put(
            f"{second}{one}", json={"data": {"charts": ["cpu", "memory"]}}, headers=write
        )
        assert replaced.status_code == 200, replaced.text
        again = httpx.get(f"{first}{one}", headers=read).json()
        assert again["dashboard"]["data"] == {"charts": ["cpu", "memory"]}
    finally:
        httpx.delete(f"{first}{one}", headers=write)
    assert httpx.get(f"{second}{one}", headers=read).status_code == 404
