"""deploy/images/service_entrypoint.py, the service images' entrypoint: one image recipe for six
services that read their port from different variables (analytics WS_PORT as the memex logger,
metrics-api METRICS_SERVER_PORT as metrics_server). Runs in `make test`; no engine needed."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from meridian_kit.process_testing import free_port

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "deploy" / "images" / "service_entrypoint.py"


def load_entrypoint() -> ModuleType:
    spec = importlib.util.spec_from_file_location("service_entrypoint", ENTRYPOINT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


entrypoint = load_entrypoint()


def image_env(service: str, command: str, port: int, **extra: str) -> dict[str, str]:
    """The variables the shared Dockerfile sets for one service, plus the operator's."""
    return {
        "MERIDIAN_SERVICE": service,
        "MERIDIAN_COMMAND": command,
        "MERIDIAN_PORT": str(port),
        **extra,
    }


def test_without_arguments_it_listens_on_all_interfaces_and_names_no_port() -> None:
    env = image_env("ingest", "ingest", 8101)
    assert entrypoint.command_line(env, []) == ["ingest", "--host", "0.0.0.0"]


def test_the_services_own_host_variable_wins() -> None:
    env = image_env("analytics", "analytics", 8102, WS_HOST="127.0.0.1")
    assert entrypoint.command_line(env, []) == ["analytics"]
    env = image_env("metrics-api", "metrics-api", 8104, METRICS_SERVER_HOST="10.0.0.5")
    assert entrypoint.command_line(env, []) == ["metrics-api"]


def test_arguments_given_are_passed_as_they_are() -> None:
    env = image_env("kmdb-import", "kmdb-api", 8103)
    assert entrypoint.command_line(env, ["--port", "9000"]) == ["kmdb-api", "--port", "9000"]


@pytest.mark.parametrize(
    ("service", "variable"),
    [
        ("analytics", "WS_PORT"),
        ("metrics-api", "METRICS_SERVER_PORT"),
        ("ingest", "PORT"),
        ("config-leader", "PORT"),
    ],
)
def test_the_healthcheck_port_is_the_one_the_service_reads(service: str, variable: str) -> None:
    assert entrypoint.port(image_env(service, service, 8100)) == 8100
    assert entrypoint.port(image_env(service, service, 8100, **{variable: "9123"})) == 9123
    other = "PORT" if variable != "PORT" else "WS_PORT"
    assert entrypoint.port(image_env(service, service, 8100, **{other: "9999"})) == 8100


@pytest.mark.timeout(120)
def test_analytics_started_by_the_entrypoint_listens_on_ws_port() -> None:
    """The real console script from the workspace venv: WS_PORT decides, the healthcheck follows."""
    port = free_port()
    venv_bin = str(Path(sys.executable).parent)
    env = {
        **os.environ,
        **image_env("analytics", "analytics", 8102, WS_HOST="127.0.0.1", WS_PORT=str(port)),
        "PATH": f"{venv_bin}:{os.environ['PATH']}",
    }
    server = subprocess.Popen([sys.executable, str(ENTRYPOINT)], env=env)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        check = subprocess.run(
            [sys.executable, str(ENTRYPOINT), "--healthcheck"], env=env, timeout=30
        )
        assert check.returncode == 0
        env["WS_PORT"] = str(free_port())
        check = subprocess.run(
            [sys.executable, str(ENTRYPOINT), "--healthcheck"],
            env=env,
            timeout=30,
            capture_output=True,
        )
        assert check.returncode == 1, "nothing listens there: the healthcheck must fail"
    finally:
        server.terminate()
        server.wait(timeout=30)
