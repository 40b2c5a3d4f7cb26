"""The images built and run on this machine (`make test-containers`; skipped otherwise, since
building takes minutes): `make images` builds them (docker, else podman with local bases), they
start as containers beside the running suite with every port moved by OFFSET, run as the service
user, are ready against the local engines, a gateway setting changed on the containerised leader
reaches the containerised gateway through the follower container, and the end-to-end tests pass
through the containerised gateway."""

from __future__ import annotations

import os
import ssl
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / "deploy" / "images" / "images.sh"
CONTAINERS = ROOT / "deploy" / "images" / "containers.sh"
OFFSET = 10000
PORTS = {"ingest": 8101, "analytics": 8102, "kmdb-import": 8103, "metrics-api": 8104}
PORTS["config-leader"] = 8105
PORTS["config-follower"] = 8106
GATEWAY = f"https://localhost:{8443 + OFFSET}"
CA = ROOT / ".local" / "tls" / "ca.crt"
BIG_BODY = b"x" * (2 * 1024 * 1024)
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


def wait_for(predicate: Callable[[], bool], seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def tls() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(CA))


@pytest.fixture
def admin(containers: None) -> Iterator[httpx.Client]:
    """The containerised leader's admin API through the containerised gateway; the gateway's body
    limit set back (and applied) afterwards."""
    with httpx.Client(
        base_url=f"{GATEWAY}/config",
        verify=tls(),
        timeout=120,
        headers={"Authorization": os.environ["CONFIG_ADMIN_KEY"]},
    ) as client:
        before = client.get("/admin/settings").json()["settings"]["GATEWAY_BODY_LIMIT"]
        yield client
        set_and_notify(client, GATEWAY_BODY_LIMIT=before)
        assert wait_for(lambda: big_post() != 413), "the old body limit never came back"


def set_and_notify(admin: httpx.Client, **settings: Any) -> dict[str, Any]:
    """Sets variables on the containerised leader, notifies; the follower container's report."""
    r = admin.put("/admin/settings", json=settings)
    assert r.status_code == 200, r.text
    r = admin.post("/admin/notify")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["failures"] == [], body
    (follower,) = body["successes"]  # the follower container, the leader copy's only follower
    return dict(follower)


def big_post() -> int:
    """The status of a 2 MiB POST through the containerised gateway (413 above its body limit)."""
    with httpx.Client(verify=tls(), timeout=30) as client:
        return client.post(f"{GATEWAY}/config/healthz", content=BIG_BODY).status_code


def gateway_logs() -> str:
    done = engine("logs", f"{NAME_PREFIX}-gateway")
    return done.stdout + done.stderr


def test_a_gateway_setting_changed_on_the_leader_reaches_the_gateway_container(
    admin: httpx.Client,
) -> None:
    assert big_post() != 413  # 2 MiB passes the default 20m (the leader answers 405)
    report = set_and_notify(admin, GATEWAY_BODY_LIMIT="1m")
    # The follower container applied the new nginx.conf and its hook signalled the gateway.
    assert report["files"] == ["/gateway/nginx.conf"], report
    assert [h["rc"] for h in report["hooks"]] == [0], report["hooks"]
    assert wait_for(lambda: big_post() == 413), "the gateway container never applied the 1m limit"
    with httpx.Client(verify=tls(), timeout=30) as client:
        refused = client.post(f"{GATEWAY}/config/healthz", content=BIG_BODY)
        assert refused.json() == {"error": "request body too large", "detail": {"limit": "1m"}}
        assert client.get(f"{GATEWAY}/ingest/healthz").status_code == 200
    assert "gateway reloaded" in gateway_logs()


def test_a_value_nginx_refuses_keeps_the_gateway_container_serving(admin: httpx.Client) -> None:
    report = set_and_notify(admin, GATEWAY_BODY_LIMIT="lots")
    assert report["files"] == ["/gateway/nginx.conf"], report
    assert wait_for(lambda: "nginx -t refused the gateway config" in gateway_logs()), gateway_logs()
    assert "client_max_body_size" in gateway_logs()  # nginx's own words name the directive
    with httpx.Client(verify=tls(), timeout=30) as client:
        assert client.get(f"{GATEWAY}/config/healthz").status_code == 200
    assert big_post() != 413
    # Restarted while the follower holds a config nginx refuses, the gateway runs its last good one.
    done = engine("restart", f"{NAME_PREFIX}-gateway")
    assert done.returncode == 0, done.stderr

    def serving() -> bool:
        try:
            return (
                httpx.get(f"{GATEWAY}/config/healthz", verify=tls(), timeout=5).status_code == 200
            )
        except httpx.HTTPError:
            return False

    assert wait_for(serving), gateway_logs()[-3000:]
    assert "starting with the last config installed from the leader" in gateway_logs()
    assert big_post() != 413
