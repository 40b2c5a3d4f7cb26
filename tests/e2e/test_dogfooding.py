"""The suite configures itself: the gateway's nginx config is a template on the configuration leader,
applied by this machine's follower, whose hook tests it with `nginx -t`, puts it in place and reloads
nginx. Changing a variable on the leader and notifying reconfigures the gateway without a single
failed request; a value nginx refuses leaves the running config alone."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import GATEWAY, ROOT, tls

BIG_BODY = b"x" * (2 * 1024 * 1024)
INSTALLED = ROOT / ".local" / "gateway" / "nginx.conf"  # what the gateway's nginx runs
APPLIED = ROOT / ".local" / "config-follower" / "data" / "gateway" / "nginx.conf"


@pytest.fixture
def admin() -> Iterator[httpx.Client]:
    key = os.environ["CONFIG_ADMIN_KEY"]
    with httpx.Client(
        base_url=f"{GATEWAY}/config", verify=tls(), timeout=180, headers={"Authorization": key}
    ) as client:
        yield client


@pytest.fixture
def body_limit(admin: httpx.Client) -> Iterator[str]:
    """The leader's GATEWAY_BODY_LIMIT before the test, set back (and applied) afterwards."""
    before = admin.get("/admin/settings").json()["settings"]["GATEWAY_BODY_LIMIT"]
    assert served_nginx_conf() == INSTALLED.read_text(), "the gateway does not run the leader's"
    yield before
    report = set_and_notify(admin, GATEWAY_BODY_LIMIT=before)
    assert [h["rc"] for h in report["hooks"]] in ([], [0]), report["hooks"]
    assert served_nginx_conf() == INSTALLED.read_text()


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


def served_nginx_conf() -> str:
    """The gateway's nginx.conf as the leader serves it to this machine's follower right now."""
    key = os.environ["CONFIG_FOLLOWER_KEY"]
    r = httpx.get(f"{GATEWAY}/config/conf", verify=tls(), headers={"Authorization": key})
    assert r.status_code == 200, r.text
    (content,) = [f["content"] for f in r.json()["files"] if f["path"] == "/gateway/nginx.conf"]
    return str(content)


def set_and_notify(admin: httpx.Client, **settings: Any) -> dict[str, Any]:
    """Sets variables on the leader, notifies, and returns the local follower's report."""
    r = admin.put("/admin/settings", json=settings)
    assert r.status_code == 200, r.text
    r = admin.post("/admin/notify")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["failures"] == [], body
    (follower,) = body["successes"]
    return dict(follower)


def big_post(client: httpx.Client) -> httpx.Response:
    return client.post(f"{GATEWAY}/config/healthz", content=BIG_BODY)


def wait_for(predicate: Callable[[], bool], seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_changing_a_gateway_variable_on_the_leader_reloads_nginx_without_failures(
    admin: httpx.Client, body_limit: str
) -> None:
    assert f"client_max_body_size {body_limit};" in INSTALLED.read_text()
    with httpx.Client(verify=tls(), timeout=30) as client, Traffic() as traffic:
        assert big_post(client).status_code != 413  # 2 MiB passes 20m (the service says 405)
        report = set_and_notify(admin, GATEWAY_BODY_LIMIT="1m")
        assert report["files"] == ["/gateway/nginx.conf"], report
        assert [h["rc"] for h in report["hooks"]] == [0], report["hooks"]
        # The file nginx runs is, byte for byte, the one the leader renders with the new value.
        installed = INSTALLED.read_text()
        assert installed == served_nginx_conf() == APPLIED.read_text()
        assert "client_max_body_size 1m;" in installed
        assert wait_for(lambda: big_post(client).status_code == 413), "the 1m limit never applied"
        refused = big_post(client)
        assert refused.json() == {"error": "request body too large", "detail": {"limit": "1m"}}
        set_and_notify(admin, GATEWAY_BODY_LIMIT=body_limit)
        assert f"client_max_body_size {body_limit};" in INSTALLED.read_text()
        assert wait_for(lambda: big_post(client).status_code != 413), (
            "the old limit never came back"
        )
        time.sleep(1)  # traffic goes on while the old workers finish their requests
    assert traffic.ok > 50
    assert traffic.failed == [], traffic.failed[:10]


def test_a_value_nginx_refuses_keeps_the_running_config(
    admin: httpx.Client, body_limit: str
) -> None:
    before = INSTALLED.read_text()
    report = set_and_notify(admin, GATEWAY_BODY_LIMIT="lots")
    assert report["files"] == ["/gateway/nginx.conf"], report
    (hook,) = report["hooks"]
    assert hook["rc"] != 0
    assert "nginx -t refused the gateway config from the leader" in hook["error"], hook
    assert "client_max_body_size" in hook["error"]  # nginx's own words name the directive
    assert "client_max_body_size lots;" in APPLIED.read_text()
    assert INSTALLED.read_text() == before
    with httpx.Client(verify=tls(), timeout=30) as client:
        assert client.get(f"{GATEWAY}/config/healthz").status_code == 200
        assert big_post(client).status_code != 413
