"""Private processes for the instance-count tests: routes tables, upstreams and nginx on free ports.

Nothing here touches the running suite: configs render into the test's tmp dir.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from meridian_kit.process_testing import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
RENDER = REPO_ROOT / "gateway" / "render.py"
DEV_TLS = REPO_ROOT / "gateway" / "dev_tls.sh"
UPSTREAM_APP = REPO_ROOT / "tests" / "gateway" / "upstream_app.py"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
STARTUP_DEADLINE = 30.0


def port_is_free(port: int) -> bool:
    """True when nothing listens on 127.0.0.1:port and we may bind it."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port_series(count: int, step: int) -> int:
    """A base port such that base, base + step ... base + (count - 1) x step are all free."""
    for _ in range(100):
        base = free_port()
        if base + step * count < 65536 and all(port_is_free(base + step * k) for k in range(count)):
            return base
    raise RuntimeError(f"no {count} free ports {step} apart")


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
    """Runs gateway/render.py as an operator would."""
    return subprocess.run(
        [sys.executable, str(RENDER), "--out", str(out), *args],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )


def start_upstream(port: int, name: str, logs: Path) -> subprocess.Popen[bytes]:
    """tests/gateway/upstream_app.py on a port: answers every request with its name."""
    log = logs / f"{name}.log"
    process = subprocess.Popen(
        [sys.executable, str(UPSTREAM_APP), "--port", str(port), "--name", name],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    wait_for_port(port, process, f"upstream {name}", log)
    return process


def start_nginx(conf: Path, prefix: Path, https_port: int) -> subprocess.Popen[bytes]:
    """nginx in the foreground on a rendered config, waited for."""
    log = prefix / "logs" / "error.log"
    process = subprocess.Popen(
        [NGINX, "-p", str(prefix), "-c", str(conf), "-e", str(log), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for_port(https_port, process, "nginx", log)
    return process


def start_redis(directory: Path) -> tuple[subprocess.Popen[bytes], int]:
    """A private redis-server (Debian's, as deploy/local runs it) on a free port, nothing saved;
    returns it and its port."""
    port = free_port()
    log = directory / f"redis-{port}.log"
    command = [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(directory)]
    command += ["--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "no"]
    process = subprocess.Popen(command, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    wait_for_port(port, process, "redis-server", log)
    return process, port
