"""The images built and run on this machine (`make test-containers`; skipped otherwise, since
building takes minutes): `make images` builds them (docker, else podman with local bases), they
start as containers beside the running suite with every port moved by OFFSET, run as the service
user, are ready against the local engines, and the end-to-end tests pass through the containerised
gateway."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / "deploy" / "images" / "images.sh"
CONTAINERS = ROOT / "deploy" / "images" / "containers.sh"
OFFSET = 10000
PORTS = {"ingest": 8101, "analytics": 8102, "kmdb-import": 8103, "metrics-api": 8104}
PORTS["config-leader"] = 8105
NAME_PREFIX = f"meridian-c{OFFSET}"
# Its cases change the leader's settings and watch this machine's follower reload `make up`'s
# gateway: containers beside the suite have neither (their leader's copy has no followers).
NOT_HERE = "tests/e2e/test_dogfooding.py"

pytestmark = [
    pytest.mark.timeout(1800),
    pytest.mark.skipif(
        os.environ.get("MERIDIAN_CONTAINER_TESTS") != "1",
        reason="builds and runs the images: `make test-containers` (MERIDIAN_CONTAINER_TESTS=1)",
    ),
]


def engine(*args: str) -> subprocess.CompletedProcess[str]:
    """The container engine images.sh chose (podman with its flags here)."""
    return subprocess.run(
        ["bash", str(IMAGES), "run-engine", *args], capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def containers() -> Iterator[None]:
    env = {**os.environ, "CONTAINERS_PORT_OFFSET": str(OFFSET)}
    built = subprocess.run(["bash", str(IMAGES), "build"], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-3000:]
    started = subprocess.run(
        ["bash", str(CONTAINERS), "up"], capture_output=True, text=True, env=env
    )
    try:
        assert started.returncode == 0, started.stderr[-3000:]
        yield
    finally:
        subprocess.run(["bash", str(CONTAINERS), "down"], capture_output=True, env=env, timeout=300)


def test_services_run_as_the_service_user(containers: None) -> None:
    for name in PORTS:
        done = engine("exec", f"{NAME_PREFIX}-{name}", "id", "-u")
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "10001", name


def test_each_service_container_is_ready_against_the_local_engines(containers: None) -> None:
    for name, port in PORTS.items():
        answer = httpx.get(f"http://127.0.0.1:{port + OFFSET}/readyz", timeout=10)
        assert answer.status_code == 200, (name, answer.text)
        body = answer.json()
        assert body["status"] == "ready"
        assert all(state == "ok" for state in body.get("checks", {}).values()), (name, body)


def test_the_image_healthcheck_follows_the_service_port_variable(containers: None) -> None:
    # analytics listens on WS_PORT (8102 + OFFSET here), metrics-api on METRICS_SERVER_PORT.
    for name in ("analytics", "metrics-api", "ingest"):
        done = engine("exec", f"{NAME_PREFIX}-{name}", "meridian-service", "--healthcheck")
        assert done.returncode == 0, (name, done.stderr)


def test_end_to_end_tests_pass_through_the_containerised_gateway(containers: None) -> None:
    env = {**os.environ, "GATEWAY_URL": f"https://localhost:{8443 + OFFSET}"}
    env.pop("MERIDIAN_OUTAGE_TESTS", None)  # never stop the engines the suite shares
    done = subprocess.run(
        ["uv", "run", "pytest", "-q", "tests/e2e", "--ignore", NOT_HERE],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=1200,
    )
    assert done.returncode == 0, done.stdout[-5000:]
    assert " passed" in done.stdout
