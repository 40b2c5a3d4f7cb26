"""The suite configures itself: the gateway's variables are a template on the configuration leader,
applied by this machine's follower, whose hook re-renders nginx and reloads it. Changing a variable on
the leader and notifying reconfigures the gateway without a single failed request."""

from __future__ import annotations

import os
import threading
import time

import httpx
import pytest

from tests.e2e.conftest import GATEWAY, tls

BIG_BODY = b"x" * (2 * 1024 * 1024)


@pytest.fixture
def admin() -> httpx.Client:
    key = os.environ["CONFIG_ADMIN_KEY"]
    with httpx.Client(
        base_url=f"{GATEWAY}/config", verify=tls(), timeout=30, headers={"Authorization": key}
    ) as client:
        yield client


class Traffic:
    """Requests through the gateway in a loop, counting every one that did not get a 200."""

    def __init__(self) -> None:
        self.ok = 0
        self.failed: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        context = tls()
        while not self._stop.is_set():
            for path in ("/metrics/healthz", "/ingest/healthz", "/config/healthz"):
                # A new connection each time: a reload closes idle keep-alive connections, which
                # clients retry; a request that nginx accepted must never fail.
                with httpx.Client(base_url=GATEWAY, verify=context, timeout=10) as client:
                    try:
                        r = client.get(path)
                        if r.status_code == 200:
                            self.ok += 1
                        else:
                            self.failed.append(f"{path}: {r.status_code}")
                    except httpx.HTTPError as exc:
                        self.failed.append(f"{path}: {type(exc).__name__} {exc}")

    def __enter__(self) -> Traffic:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


def big_post_status(client: httpx.Client) -> int:
    return client.post(f"{GATEWAY}/config/healthz", content=BIG_BODY).status_code


def set_body_limit(admin: httpx.Client, limit: str) -> None:
    r = admin.put("/admin/settings", json={"GATEWAY_BODY_LIMIT": limit})
    assert r.status_code == 200, r.text
    r = admin.post("/admin/notify")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["failures"] == [], body
    (follower,) = body["successes"]
    assert "/gateway/gateway.json" in follower["files"], follower
    assert [h["rc"] for h in follower["hooks"]] == [0], follower["hooks"]


def wait_for(predicate, seconds: float = 30) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_changing_a_gateway_variable_on_the_leader_reloads_nginx_without_failures(
    admin: httpx.Client,
) -> None:
    before = admin.get("/admin/settings").json()["settings"]["GATEWAY_BODY_LIMIT"]
    with httpx.Client(verify=tls(), timeout=30) as client, Traffic() as traffic:
        assert big_post_status(client) != 413  # 2 MiB passes the 20m limit (the service says 405)
        try:
            set_body_limit(admin, "1m")
            assert wait_for(lambda: big_post_status(client) == 413), "the 1m limit never applied"
        finally:
            set_body_limit(admin, before)
        assert wait_for(lambda: big_post_status(client) != 413), "the old limit never came back"
        time.sleep(1)
    assert traffic.ok > 50
    assert traffic.failed == [], traffic.failed[:10]
