"""A real config-leader process on a free port, in a temp folder of its own, for route tests.

`LeaderSetup` writes the standard templates (roles `web` and `api`), platform.yml (grouped) and
config-leader.json, starts the installed `config-leader` console script and stops it by pid.
Follower keys may be registered without any follower process (enough to call `GET /conf`).
tests/config builds its leader + followers `Cluster` on it. Helpers wait for a condition by
polling (never asserting on time).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from meridian_kit.process_testing import free_port, wait_until

BIN = Path(sys.executable).parent
STARTUP_DEADLINE = 60.0
UNREACHABLE = "http://127.0.0.1:9"  # the URL of a follower registered without a process

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

    def restart(self) -> None:
        self.stop()
        self.start()
        self.wait_healthy()

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
class LeaderSetup:
    """A leader's folder (standard templates, platform.yml), its config and its process."""

    root: Path
    admin_key: str = field(default_factory=lambda: "admin-" + secrets.token_hex(12))
    leader: Process = field(init=False)
    follower_keys: dict[str, str] = field(default_factory=dict)  # key -> role, no process

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

    def follower_key(self, role: str) -> str:
        """Registers a follower key of `role` (no process behind it); call before writing the
        config."""
        key = f"{role}-key-{secrets.token_hex(12)}"
        self.follower_keys[key] = role
        return key

    def key_of(self, role: str) -> str:
        """The first follower key registered for `role`."""
        return next(key for key, of in self.follower_keys.items() if of == role)

    def followers_config(self) -> dict[str, dict[str, str]]:
        return {key: {"url": UNREACHABLE, "role": role} for key, role in self.follower_keys.items()}

    def write_leader_config(self, **overrides: Any) -> None:
        """config-leader.json with SECRET internals, the admin key and every follower."""
        body: dict[str, Any] = {
            "http": {"ip": "127.0.0.1"},
            "dataFolder": "data",
            "internals": {"DB_PASSWORD": "SECRET", "SESSION_KEY": "SECRET", "STATIC": "x"},
            "adminKey": self.admin_key,
            "followers": self.followers_config(),
            "notify": {"timeoutSeconds": 10},
        }
        body.update(overrides)
        self.leader.config.write_text(json.dumps(body, indent=2))

    def start_leader(self) -> None:
        self.leader.start()
        self.leader.wait_healthy()

    def admin(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """An admin call with the admin key in the Authorization header."""
        headers = {"Authorization": self.admin_key, **kwargs.pop("headers", {})}
        return httpx.request(
            method, f"{self.leader.url}{path}", headers=headers, timeout=30, **kwargs
        )

    def set_vars(self, **values: Any) -> dict[str, Any]:
        response = self.admin("PUT", "/admin/settings", json=values)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def conf(self, key: str) -> dict[str, str]:
        """GET /conf with a follower key: {relative path: content}."""
        response = httpx.get(f"{self.leader.url}/conf", headers={"Authorization": key}, timeout=30)
        assert response.status_code == 200, response.text
        return {f["path"].lstrip("/"): f["content"] for f in response.json()["files"]}

    wait_until = staticmethod(wait_until)
    free_port = staticmethod(free_port)

    def processes(self) -> list[Process]:
        return [self.leader]

    def stop_all(self) -> None:
        for process in self.processes():
            process.stop()


def change_saved_by_a_dying_instance(config: Path, changes: dict[str, Any]) -> None:
    """Another leader instance on the folder of `config` saves `changes` to platform.yml and is
    killed (os._exit: as kill -9, nothing cleans up) before it records their revision."""
    script = textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        from config_leader.leader_config.loading import load_config
        from config_leader.settings_store.history import History
        from config_leader.settings_store.service import SettingsStore

        History.record = lambda *args, **kwargs: os._exit(137)  # killed just there
        config = load_config(Path({str(config)!r}))
        SettingsStore(
            platform_path=config.platform_path, history_folder=config.history_path,
            data_folder=config.data_folder, internals=config.internals,
        ).update({changes!r})
        """
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert run.returncode == 137, run.stderr.decode()[-2000:]


def message_of(response: httpx.Response) -> str:
    """An error's message: the original's `{"error": {"message"}}` or the kit's `{"error"}`."""
    error = response.json()["error"]
    return str(error["message"] if isinstance(error, dict) else error)


def detail_of(response: httpx.Response) -> Any:
    """An error's detail: inside `error` in the original's shape, beside it in the kit's."""
    body = response.json()
    error = body["error"]
    return error.get("detail") if isinstance(error, dict) else body.get("detail")


def error_message(response: httpx.Response) -> str:
    """The message of an error in the original's shape, {"error": {"message": ...}}."""
    body = response.json()
    assert isinstance(body["error"], dict), body
    return str(body["error"]["message"])


FIRST_USER = "first-admin"


@dataclass
class OperatorsApi:
    """Calls one leader with the admin key, a token, or nothing."""

    url: str
    admin_key: str
    first_password: str

    def call(
        self, method: str, path: str, *, token: str | None = None, key: str | None = None, **kw: Any
    ) -> httpx.Response:
        headers = dict(kw.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        elif key is not None:
            headers["Authorization"] = key
        return httpx.request(method, f"{self.url}{path}", headers=headers, timeout=30, **kw)

    def login(self, username: str, password: str) -> str:
        response = self.call(
            "POST", "/auth/login", json={"username": username, "password": password}
        )
        assert response.status_code == 200, response.text
        return str(response.json()["token"])

    def first_token(self) -> str:
        return self.login(FIRST_USER, self.first_password)

    def create(
        self, permissions: dict[str, list[str]], *, by: str | None = None
    ) -> tuple[str, str]:
        """A new operator with a unique name; returns (username, password)."""
        username = f"op-{secrets.token_hex(4)}"
        password = secrets.token_urlsafe(12)
        body = {"username": username, "password": password, "permissions": permissions}
        response = self.call("POST", "/users", token=by or self.first_token(), json=body)
        assert response.status_code == 201, response.text
        return username, password


@contextmanager
def operators_leader(
    root: Path, prepare: Callable[[Path], None] | None = None, **config: Any
) -> Iterator[tuple[LeaderSetup, OperatorsApi]]:
    """A leader with no follower, its first operator from the environment, `config` merged into
    config-leader.json; `prepare(leader folder)` runs before it starts."""
    setup = LeaderSetup(root)
    if prepare is not None:
        prepare(setup.leader.folder)
    setup.write_leader_config(**config)
    password = secrets.token_urlsafe(16)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("MERIDIAN_ADMIN_USER", FIRST_USER)
        env.setenv("MERIDIAN_ADMIN_PASSWORD", password)
        setup.leader.start()
    try:
        setup.leader.wait_healthy()
        yield setup, OperatorsApi(setup.leader.url, setup.admin_key, password)
    finally:
        setup.stop_all()
