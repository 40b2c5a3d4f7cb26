"""Private ingest, analytics and metrics-api processes pointed at the cluster profile's engines.

Each runs the suite's console script on a free port of 127.0.0.1 with the settings of
`deploy/local/cluster.sh env` and names of this run's own (index prefixes, Redis prefixes, a
keyspace, a Mongo database on the suite's FerretDB), so nothing is shared with `make up`'s services.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from meridian_kit.process_testing import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = REPO_ROOT / ".venv" / "bin"
CLUSTER_SH = REPO_ROOT / "deploy" / "local" / "cluster.sh"
READY_DEADLINE = 120.0


def cluster(*args: str, timeout: float = 900) -> str:
    """Runs deploy/local/cluster.sh with args; its stdout (fails the test on a non-zero exit)."""
    done = subprocess.run(
        ["bash", str(CLUSTER_SH), *args], capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        pytest.fail(
            f"cluster.sh {' '.join(args)} exited {done.returncode}: {done.stdout}{done.stderr}"
        )
    return done.stdout


def cluster_env() -> dict[str, str]:
    """The services' settings for the cluster (cluster.sh env)."""
    out = {}
    for line in cluster("env").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out[key] = value
    return out


@dataclass
class Service:
    """One private service process."""

    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Starts the process and waits until /readyz answers 200."""
        self.process = subprocess.Popen(
            [*self.command, "--port", str(self.port)],
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
        )
        deadline = time.monotonic() + READY_DEADLINE
        while time.monotonic() < deadline:
            self.assert_alive()
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/readyz", timeout=5).status_code == 200:
                    return
            time.sleep(0.5)
        pytest.fail(f"{self.name} not ready in {READY_DEADLINE:.0f} s: {self.tail()}")

    def assert_alive(self) -> None:
        """Fails the test if the process has exited (crashed)."""
        assert self.process is not None
        if self.process.poll() is not None:
            pytest.fail(f"{self.name} exited {self.process.returncode}: {self.tail()}")

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 15 s; only the process we started."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class PrivateServices:
    """ingest, analytics and metrics-api of one test run, on the cluster."""

    tmp: Path
    engines: dict[str, str]
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    services: dict[str, Service] = field(default_factory=dict)
    worker: subprocess.Popen[bytes] | None = None

    @property
    def ingest_prefix(self) -> str:
        return f"cl{self.run}"

    @property
    def analytics_prefix(self) -> str:
        return f"cl{self.run}-"

    @property
    def keyspace(self) -> str:
        return f"cl{self.run}"

    @property
    def redis_prefix(self) -> str:
        return f"cl-{self.run}"

    def env(self, service: str) -> dict[str, str]:
        base = {**os.environ, **self.engines, "SENTRY_DSN": "", "MERIDIAN_SERVICE": service}
        if service == "ingest":
            base |= {
                "KM_INDEX_PREFIX": self.ingest_prefix,
                "INGEST_REDIS_PREFIX": f"{self.redis_prefix}-ingest",
                "INGEST_MONGO_DATABASE": f"cl_{self.run}",
                "INGEST_METRICS_API_URL": "",
                # entries a dead connection left unacknowledged are claimed after 3 s, not 60 s
                "INGEST_CLAIM_IDLE_MS": "3000",
            }
        elif service == "analytics":
            base |= {
                "ANALYTICS_INDEX_PREFIX": self.analytics_prefix,
                "ANALYTICS_REDIS_PREFIX": f"{self.redis_prefix}-analytics:",
                "ANALYTICS_QUEUE": f"{self.redis_prefix}-analytics",
                "MIGRATION_MANAGER_INDEX": f"{self.analytics_prefix}migrations",
            }
        elif service == "metrics-api":
            base |= {"METRICS_SERVER_KEYSPACE": self.keyspace}
        return base

    def start(self) -> None:
        """Runs analytics' migrations, then starts the three services and waits for each."""
        done = subprocess.run(
            [str(VENV_BIN / "analytics-migrate")],
            env=self.env("analytics"),
            capture_output=True,
            text=True,
            timeout=300,
            cwd=REPO_ROOT,
        )
        assert done.returncode == 0, f"analytics-migrate: {done.stdout}{done.stderr}"
        for name, script in (
            ("ingest", "ingest"),
            ("analytics", "analytics"),
            ("metrics-api", "metrics-api"),
        ):
            service = Service(
                name, [str(VENV_BIN / script)], self.env(name), self.tmp / f"{name}.log"
            )
            self.services[name] = service
            service.start()
        # analytics' Celery worker on the private queue (its broker and results through Sentinel)
        log = self.tmp / "analytics-worker.log"
        self.worker = subprocess.Popen(
            [str(VENV_BIN / "analytics-worker")],
            env=self.env("analytics"),
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
        )

    def stop(self) -> None:
        for service in self.services.values():
            service.stop()
        if self.worker is not None and self.worker.poll() is None:
            self.worker.send_signal(signal.SIGTERM)
            try:
                self.worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.worker.kill()
                self.worker.wait()

    def __getitem__(self, name: str) -> Service:
        return self.services[name]
