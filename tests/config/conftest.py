"""A real config-leader and real config-followers as separate processes on free ports.

`cluster` starts a leader and followers of two roles (two web, one api) from the installed console
scripts, each in its own temp folder, and stops them by pid afterwards. Helpers wait for a
condition by polling (never asserting on time).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

BIN = Path(sys.executable).parent
STARTUP_DEADLINE = 60.0

PLATFORM_YML = """\
# Platform variables (grouped layout, as the later seed versions wrote them)
vars:
  MACHINES:
    name: Machines and platform
    settings:
      DOMAIN:
        value: example.com
        description: public domain
      PORT:
        value: 8443
        description: HTTPS port
  SERVICES:
    name: Services
    settings:
      URL:
        value: https://api.DOMAIN:PORT/v1
        description: API base URL (uses other variables)
      LIMITS:
        value: {rps: 10, burst: [20, 40]}
        description: rate limits
      FLAGS:
        value: [alpha, beta]
        description: feature flags
"""

TEMPLATES = {
    "web/conf/app.json": (
        '{"domain": "DOMAIN", "port": PORT, "url": "URL", "limits": LIMITS,'
        ' "secret": "DB_PASSWORD", "lookalike": "MY_DOMAIN_X"}\n'
    ),
    "web/conf/app.yml": "domain: DOMAIN\nflags: FLAGS\nport: PORT\n",
    "web/nginx/site.conf": "server_name DOMAIN www.DOMAIN;\nlisten PORT ssl;\n",
    "api/env/api.env": "API_URL=URL\nDATABASE_PASSWORD=DB_PASSWORD\nSESSION=SESSION_KEY\n",
}


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(condition: Callable[[], Any], what: str, deadline: float = STARTUP_DEADLINE) -> Any:
    """Polls until `condition()` is truthy and returns it; fails naming `what` otherwise."""
    end = time.monotonic() + deadline
    last: Any = None
    while time.monotonic() < end:
        try:
            last = condition()
            if last:
                return last
        except (httpx.HTTPError, OSError, ValueError) as exc:
            last = exc
        time.sleep(0.1)
    pytest.fail(f"gave up waiting for {what}; last: {last!r}")


@dataclass
class Process:
    """A service process we started: its port, folder, log and Popen."""

    name: str
    script: str
    folder: Path
    config: Path
    port: int
    popen: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.folder / "process.log"

    def start(self) -> None:
        """Starts the console script on its port (log appended to process.log)."""
        assert self.popen is None or self.popen.poll() is not None, f"{self.name} is running"
        with self.log.open("ab") as log:
            self.popen = subprocess.Popen(
                [str(BIN / self.script), "--config", str(self.config), "--port", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.folder,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )

    def wait_healthy(self) -> None:
        """Waits until /healthz answers (fails early if the process exited)."""

        def healthy() -> bool:
            assert self.popen is not None
            if self.popen.poll() is not None:
                pytest.fail(
                    f"{self.name} exited ({self.popen.returncode}): {self.log_text()[-3000:]}"
                )
            return httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200

        wait_until(healthy, f"{self.name} /healthz")

    def stop(self) -> None:
        """Stops the process by its pid (SIGTERM, then SIGKILL)."""
        if self.popen is None or self.popen.poll() is not None:
            return
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@dataclass
class Follower(Process):
    """A follower process, with its role and key."""

    role: str = ""
    key: str = ""

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def files(self) -> dict[str, str]:
        """Every file in its dataFolder, by relative path."""
        return {
            p.relative_to(self.data).as_posix(): p.read_text()
            for p in sorted(self.data.rglob("*"))
            if p.is_file()
        }

    def status(self) -> dict[str, Any]:
        return httpx.get(f"{self.url}/status", timeout=5).json()

    def wait_synced(self) -> None:
        wait_until(lambda: self.status()["syncedSinceStart"], f"{self.name} synced")


@dataclass
class Cluster:
    """A leader and its followers in one temp folder."""

    root: Path
    admin_key: str = field(default_factory=lambda: "admin-" + secrets.token_hex(12))
    leader: Process = field(init=False)
    followers: list[Follower] = field(default_factory=list)

    def __post_init__(self) -> None:
        folder = self.root / "leader"
        (folder / "data").mkdir(parents=True)
        for relative, text in TEMPLATES.items():
            path = folder / "data" / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        (folder / "platform.yml").write_text(PLATFORM_YML)
        self.leader = Process(
            "leader", "config-leader", folder, folder / "config-leader.json", free_port()
        )

    def add_follower(
        self, role: str, *, hooks: list[dict[str, Any]] | None = None, register: bool = True
    ) -> Follower:
        """Creates a follower's folder and config (registered in the leader's config)."""
        index = len(self.followers) + 1
        folder = self.root / f"follower-{index}-{role}"
        (folder / "data").mkdir(parents=True)
        follower = Follower(
            f"follower-{index}-{role}",
            "config-follower",
            folder,
            folder / "config-follower.json",
            free_port(),
            role=role,
            key=f"{role}-key-{secrets.token_hex(12)}",
        )
        body = {
            "leader": {"url": self.leader.url, "auth": follower.key},
            "paths": {"dataFolder": "data"},
            "hooks": hooks or [],
            "retry": {"initialSeconds": 0.2, "maxSeconds": 1.0},
        }
        follower.config.write_text(json.dumps(body, indent=2))
        if register:
            self.followers.append(follower)
        return follower

    def write_leader_config(self, **overrides: Any) -> None:
        """config-leader.json with SECRET internals, the admin key and every follower."""
        body: dict[str, Any] = {
            "http": {"ip": "127.0.0.1"},
            "dataFolder": "data",
            "internals": {"DB_PASSWORD": "SECRET", "SESSION_KEY": "SECRET", "STATIC": "x"},
            "adminKey": self.admin_key,
            "followers": {f.key: {"url": f.url, "role": f.role} for f in self.followers},
            "notify": {"timeoutSeconds": 10},
        }
        body.update(overrides)
        self.leader.config.write_text(json.dumps(body, indent=2))

    def start_all(self) -> None:
        """Starts the leader and every follower concurrently, waits until each has synced."""
        self.leader.start()
        for follower in self.followers:
            follower.start()
        self.leader.wait_healthy()
        for follower in self.followers:
            follower.wait_healthy()
            follower.wait_synced()

    def admin(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """An admin call with the admin key in the Authorization header."""
        headers = {"Authorization": self.admin_key}
        return httpx.request(
            method, f"{self.leader.url}{path}", headers=headers, timeout=30, **kwargs
        )

    def set_vars(self, **values: Any) -> dict[str, Any]:
        response = self.admin("PUT", "/admin/settings", json=values)
        assert response.status_code == 200, response.text
        return response.json()

    def notify(self, **kwargs: Any) -> dict[str, Any]:
        response = self.admin("POST", "/admin/notify", **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    wait_until = staticmethod(wait_until)
    free_port = staticmethod(free_port)

    def processes(self) -> list[Process]:
        return [self.leader, *self.followers]

    def stop_all(self) -> None:
        for process in self.processes():
            process.stop()


def started_cluster(root: Path) -> Cluster:
    """A leader and three followers (web, web, api), started and synced."""
    cluster = Cluster(root)
    hooks = [
        {
            "match": "nginx/**",
            "run": ["sh", "-c", 'echo "$CONFIG_CHANGED_FILES" >> ../nginx-hook.log'],
        },
        {
            "match": "conf/*.json",
            "run": ["sh", "-c", 'echo "$CONFIG_CHANGED_FILES" >> ../json-hook.log'],
        },
    ]
    cluster.add_follower("web", hooks=hooks)
    cluster.add_follower("web", hooks=hooks)
    cluster.add_follower("api")
    cluster.write_leader_config()
    try:
        cluster.start_all()
    except BaseException:
        cluster.stop_all()
        raise
    return cluster


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    """A fresh cluster for a test that changes settings, configs or processes."""
    cluster = started_cluster(tmp_path)
    try:
        yield cluster
    finally:
        cluster.stop_all()


@pytest.fixture(scope="module")
def shared_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """One cluster for a module's tests that leave settings and processes as they found them."""
    cluster = started_cluster(tmp_path_factory.mktemp("cluster"))
    try:
        yield cluster
    finally:
        cluster.stop_all()


@pytest.fixture
def bare_cluster(tmp_path: Path) -> Iterator[Cluster]:
    """A leader folder with the standard templates and no follower yet; nothing started."""
    cluster = Cluster(tmp_path / "cluster")
    try:
        yield cluster
    finally:
        cluster.stop_all()
