"""Two instances behind a private gateway rendered with an instance count (not the running suite's):
both get requests, and a stopped instance loses none, GET or POST, since nginx moves a request it
could not deliver to the other instance."""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.instances.private_processes import (
    free_port,
    free_port_series,
    render,
    start_nginx,
    start_upstream,
    stop,
)

STEP = 10


@dataclass
class PrivateSuite:
    """A private gateway in front of two instances of one service."""

    base: str
    instances: dict[str, subprocess.Popen[bytes]]


@pytest.fixture
def private_suite(
    tmp_path: Path, tls_dir: Path, processes: list[subprocess.Popen[bytes]]
) -> Iterator[PrivateSuite]:
    port = free_port_series(2, STEP)
    routes = tmp_path / "routes.toml"
    routes.write_text(
        f'instance_port_step = {STEP}\n[[routes]]\nprefix = "/ingest/"\nservice = "ingest"\n'
        f"port = {port}\n"
    )
    instances = {
        "one": start_upstream(port, "one", tmp_path),
        "two": start_upstream(port + STEP, "two", tmp_path),
    }
    processes.extend(instances.values())
    conf, prefix = tmp_path / "nginx.conf", tmp_path / "prefix"
    https_port = free_port()
    flags = ["--routes-file", str(routes), "--instances", "ingest=2", "--tls-dir", str(tls_dir)]
    flags += ["--prefix-dir", str(prefix), "--listen-host", "127.0.0.1", "--worker-processes", "1"]
    flags += ["--https-port", str(https_port), "--http-port", str(free_port())]
    result = render(conf, *flags)
    assert result.returncode == 0, result.stderr
    processes.append(start_nginx(conf, prefix, https_port))
    yield PrivateSuite(f"https://localhost:{https_port}", instances)


def answered_by(client: httpx.Client, method: str, url: str, count: int) -> list[str]:
    """Which instance answered each of `count` requests (every one must be a 200)."""
    names = []
    for _ in range(count):
        response = client.request(method, url, content=b"x" * 100 if method == "POST" else None)
        assert response.status_code == 200, response.text
        names.append(response.json()["name"])
    return names


def test_every_counted_instance_gets_requests(private_suite: PrivateSuite, tls_dir: Path) -> None:
    context = ssl.create_default_context(cafile=str(tls_dir / "ca.crt"))
    with httpx.Client(verify=context, timeout=10) as client:
        names = answered_by(client, "GET", f"{private_suite.base}/ingest/api/x", 8)
    assert set(names) == {"one", "two"}


def test_a_stopped_instance_loses_no_request(private_suite: PrivateSuite, tls_dir: Path) -> None:
    context = ssl.create_default_context(cafile=str(tls_dir / "ca.crt"))
    stop(private_suite.instances["two"])
    with httpx.Client(verify=context, timeout=10) as client:
        gets = answered_by(client, "GET", f"{private_suite.base}/ingest/api/x", 6)
        posts = answered_by(client, "POST", f"{private_suite.base}/ingest/api/x", 6)
    assert set(gets) == set(posts) == {"one"}
