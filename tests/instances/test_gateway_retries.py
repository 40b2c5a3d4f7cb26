"""What the gateway retries on another instance (gateway/nginx.conf.j2: `proxy_next_upstream error
timeout`, no `non_idempotent`): a GET whose instance dropped the connection is answered by the other;
a POST that reached an instance which then died is never sent to a second one (it may have been
taken), the client gets a 502 and decides. One instance here reads each request whole and closes
the connection without answering, as a process killed mid-request does.
"""

from __future__ import annotations

import re
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.instances.private_processes import (
    free_port,
    free_port_series,
    render,
    start_nginx,
    start_upstream,
)

STEP = 10


@dataclass
class Dropper:
    """Accepts, reads a request's head and body, closes without a word; counts what it read."""

    port: int
    seen: list[str] = field(default_factory=list)

    def serve(self, listener: socket.socket) -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                data = b""
                try:
                    while b"\r\n\r\n" not in data:
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                    head, _, body = data.partition(b"\r\n\r\n")
                    length = 0
                    for line in head.split(b"\r\n")[1:]:
                        name, _, value = line.partition(b":")
                        if name.strip().lower() == b"content-length":
                            length = int(value)
                    while len(body) < length:
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        body += chunk
                except OSError:
                    continue
                if head:
                    self.seen.append(head.split(b"\r\n")[0].decode())


@dataclass
class Gateway:
    base: str
    dropper: Dropper
    tls: ssl.SSLContext


@pytest.fixture
def gateway(
    tmp_path: Path, tls_dir: Path, processes: list[subprocess.Popen[bytes]]
) -> Iterator[Gateway]:
    port = free_port_series(2, STEP)
    routes = tmp_path / "routes.toml"
    routes.write_text(
        f'instance_port_step = {STEP}\n[[routes]]\nprefix = "/ingest/"\nservice = "ingest"\n'
        f"port = {port}\n"
    )
    processes.append(start_upstream(port, "one", tmp_path))
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port + STEP))
    listener.listen(16)
    dropper = Dropper(port + STEP)
    threading.Thread(target=dropper.serve, args=(listener,), daemon=True).start()
    conf, prefix = tmp_path / "nginx.conf", tmp_path / "prefix"
    https_port = free_port()
    flags = ["--routes-file", str(routes), "--instances", "ingest=2", "--tls-dir", str(tls_dir)]
    flags += ["--prefix-dir", str(prefix), "--listen-host", "127.0.0.1", "--worker-processes", "1"]
    flags += ["--https-port", str(https_port), "--http-port", str(free_port())]
    result = render(conf, *flags)
    assert result.returncode == 0, result.stderr
    retries = re.findall(r"^\s*proxy_next_upstream\s+([^;]*);", conf.read_text(), re.M)
    assert retries and all("non_idempotent" not in r.split() for r in retries), retries
    processes.append(start_nginx(conf, prefix, https_port))
    try:
        yield Gateway(
            f"https://localhost:{https_port}/ingest",
            dropper,
            ssl.create_default_context(cafile=str(tls_dir / "ca.crt")),
        )
    finally:
        listener.close()


def test_a_get_the_dropping_instance_read_is_answered_by_the_other(gateway: Gateway) -> None:
    with httpx.Client(verify=gateway.tls, timeout=30) as client:
        answers = [client.get(f"{gateway.base}/api/get-{n}") for n in range(6)]
    assert [a.status_code for a in answers] == [200] * 6
    assert {a.json()["name"] for a in answers} == {"one"}
    assert any(line.startswith("GET /api/get-") for line in gateway.dropper.seen)


def test_a_post_the_dropping_instance_read_is_not_sent_again(gateway: Gateway) -> None:
    with httpx.Client(verify=gateway.tls, timeout=30) as client:
        answers = {
            n: client.post(f"{gateway.base}/api/post-{n}", content=b"x" * 100) for n in range(6)
        }
    dropped = {n for n, a in answers.items() if a.status_code == 502}
    answered = {n for n, a in answers.items() if a.status_code == 200}
    assert dropped and dropped | answered == set(answers), {
        n: a.status_code for n, a in answers.items()
    }
    # Each dropped POST reached the dropping instance exactly once, and never the other one.
    assert sorted(gateway.dropper.seen) == sorted(f"POST /api/post-{n} HTTP/1.1" for n in dropped)
    assert {answers[n].json()["name"] for n in answered} == {"one"}
