"""Fixtures for the gateway tests: real nginx on free ports, real upstream processes, a dev CA."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from meridian_kit.process_testing import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
RENDER = REPO_ROOT / "gateway" / "render.py"
DEV_TLS = REPO_ROOT / "gateway" / "dev_tls.sh"
UPSTREAM_APP = Path(__file__).with_name("upstream_app.py")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
STARTUP_DEADLINE = 30.0


def wait_for_port(port: int, process: subprocess.Popen[bytes], what: str, log: Path) -> None:
    """Waits until something accepts on 127.0.0.1:port, failing early if the process died."""
    deadline = time.monotonic() + STARTUP_DEADLINE
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{what} exited with {process.returncode}; log: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"{what} did not listen on {port}; log: {log.read_text()[-2000:]}")


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """Stops one process we started, by its pid."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def render(out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Runs gateway/render.py as the operator would."""
    return subprocess.run(
        [sys.executable, str(RENDER), "--out", str(out), *args],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )


def nginx_test(conf: Path, prefix: Path) -> subprocess.CompletedProcess[str]:
    """Runs the real `nginx -t` on a rendered config."""
    return subprocess.run(
        [NGINX, "-t", "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "logs/error.log")],
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="session")
def tls_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dev CA and localhost certificate made by gateway/dev_tls.sh."""
    directory = tmp_path_factory.mktemp("tls")
    subprocess.run(["bash", str(DEV_TLS), str(directory)], check=True, capture_output=True)
    return directory


@pytest.fixture(scope="session")
def ca_context(tls_dir: Path) -> ssl.SSLContext:
    """A client TLS context that trusts only the dev CA."""
    return ssl.create_default_context(cafile=str(tls_dir / "ca.crt"))


@dataclass
class Upstream:
    """A running upstream_app.py instance."""

    name: str
    port: int
    process: subprocess.Popen[bytes]

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


@pytest.fixture(scope="session")
def upstreams(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Upstream]]:
    """Two real upstream servers, A and B."""
    logs = tmp_path_factory.mktemp("upstream-logs")
    started: dict[str, Upstream] = {}
    try:
        for name in ("A", "B"):
            port = free_port()
            log = logs / f"{name}.log"
            process = subprocess.Popen(
                [sys.executable, str(UPSTREAM_APP), "--port", str(port), "--name", name],
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
            )
            started[name] = Upstream(name, port, process)
            wait_for_port(port, process, f"upstream {name}", log)
        yield started
    finally:
        for upstream in started.values():
            stop(upstream.process)


@dataclass
class Gateway:
    """A running nginx with a rendered config."""

    conf: Path
    prefix: Path
    https_port: int
    http_port: int
    process: subprocess.Popen[bytes]

    @property
    def https(self) -> str:
        return f"https://localhost:{self.https_port}"

    @property
    def access_log(self) -> Path:
        return self.prefix / "logs" / "access.log"

    def logged(self, request_id: str) -> list[dict[str, Any]]:
        """The access log's lines for one request id, waiting for them: nginx writes its lines
        in blocks, at most a second late."""
        deadline = time.monotonic() + 5
        while True:
            lines = self.access_log.read_text().splitlines()
            mine = [entry for entry in map(json.loads, lines) if entry["request_id"] == request_id]
            if mine or time.monotonic() > deadline:
                return mine
            time.sleep(0.1)


def start_gateway(base: Path, tls_dir: Path, *args: str) -> Gateway:
    """Renders a config on free ports under base and starts nginx in the foreground."""
    conf, prefix = base / "nginx.conf", base / "prefix"
    https_port, http_port = free_port(), free_port()
    result = render(
        conf,
        "--prefix-dir",
        str(prefix),
        "--tls-dir",
        str(tls_dir),
        "--listen-host",
        "127.0.0.1",
        "--https-port",
        str(https_port),
        "--http-port",
        str(http_port),
        "--worker-processes",
        "1",
        *args,
    )
    assert result.returncode == 0, result.stderr
    log = prefix / "logs" / "error.log"
    process = subprocess.Popen(
        [NGINX, "-p", str(prefix), "-c", str(conf), "-e", str(log), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for_port(https_port, process, "nginx", log)
    return Gateway(conf, prefix, https_port, http_port, process)


def stop_gateway(gateway: Gateway) -> None:
    """Stops nginx gracefully (SIGQUIT), as an operator would."""
    stop(gateway.process, signal.SIGQUIT)


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dashboard folder with an index page and a large, compressible script."""
    root = tmp_path_factory.mktemp("dashboard")
    (root / "index.html").write_text("<!doctype html><title>dashboard</title><p>charts</p>")
    (root / "app.js").write_text("console.log('meridian dashboard');\n" * 400)
    os.chmod(root, 0o755)
    return root


@pytest.fixture(scope="session")
def render_cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """gateway/render.py as a function: render_cli(out_path, *flags)."""
    return render


@pytest.fixture(scope="session")
def nginx_t() -> Callable[[Path, Path], subprocess.CompletedProcess[str]]:
    """The real `nginx -t` as a function: nginx_t(conf, prefix)."""
    return nginx_test


@pytest.fixture
def gateway_factory(tmp_path: Path, tls_dir: Path) -> Iterator[Callable[..., Gateway]]:
    """Starts extra gateways with given render.py flags; stops them after the test."""
    started: list[Gateway] = []

    def start(*args: str) -> Gateway:
        gateway = start_gateway(tmp_path / f"gw{len(started)}", tls_dir, *args)
        started.append(gateway)
        return gateway

    yield start
    for gateway in started:
        stop_gateway(gateway)


@pytest.fixture(scope="module")
def gateway(
    tmp_path_factory: pytest.TempPathFactory,
    tls_dir: Path,
    upstreams: dict[str, Upstream],
    dashboard: Path,
) -> Iterator[Gateway]:
    """The gateway under test: ingest on A and B, analytics and metrics-api on A,
    config-leader on B, kmdb-import on a port where nothing listens; 1m body limit."""
    a, b = upstreams["A"].address, upstreams["B"].address
    started = start_gateway(
        tmp_path_factory.mktemp("gateway"),
        tls_dir,
        "--upstream",
        f"ingest={a},{b}",
        "--upstream",
        f"analytics={a}",
        "--upstream",
        f"metrics-api={a}",
        "--upstream",
        f"config-leader={b}",
        "--upstream",
        f"kmdb-import=127.0.0.1:{free_port()}",
        "--dashboard-root",
        str(dashboard),
        "--body-limit",
        "1m",
    )
    yield started
    stop_gateway(started)
