"""Kill one of two instances of a service under a bounded load (issue 15 §2), for any service.

`Pair` starts two instances of a service's console script (`make up`'s command, the suite's
settings from the environment plus the names a `Scenario` gives: an index prefix, keyspace,
database or folder of the test's own) on ports STEP apart, and a private nginx rendered from the
gateway's template with `--instances SERVICE=2`. `run_load` sends CLIENTS concurrent clients
through that nginx for LOAD_SECONDS, kill -9s instance 1 after KILL_AFTER seconds and records what
each request was answered, or that its answer was cut by the kill (the kill comes sooner once half of MAX_WRITES are sent, so that it
falls mid-load on a fast machine too). The test (test_kill_each.py) then asks the scenario what was stored.

Nothing of the running suite is touched; a scenario's `cleanup` removes what it made.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import ssl
import subprocess
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.instances.private_processes import (
    REPO_ROOT,
    free_port,
    free_port_series,
    render,
    start_nginx,
    stop,
)

VENV_BIN = REPO_ROOT / ".venv" / "bin"
STEP = 10
READY_DEADLINE = 90.0
CLIENTS = 4  # concurrent clients: a bounded load on a shared 2-core machine
LOAD_SECONDS = 12.0
KILL_AFTER = 4.0
MAX_WRITES = 300  # per run, whatever the machine's speed
RETRYABLE = {502, 503}  # a write that reached the killed instance, or a degraded one: not taken
CUT = 0  # recorded as the status of an answer whose connection closed before all of it came


def cut_in_flight(answers: Counter[tuple[str, int]], clients: int) -> None:
    """A request in flight on the instance at its kill -9 may lose its answer after nginx has
    passed on the status line (nothing can resend that); every other request is answered, so
    at most one request per client is cut."""
    cut = sum(count for (_, status), count in answers.items() if status == CUT)
    assert cut <= clients, answers


async def answered(request: Awaitable[httpx.Response]) -> int:
    """The status of the answer to `request`, CUT if its connection closed mid-answer."""
    try:
        return (await request).status_code
    except httpx.TransportError:
        return CUT


@dataclass
class Pair:
    """Two instances of one service behind a private nginx."""

    service: str  # as routes.toml names it
    script: str  # console script in .venv/bin
    prefix: str  # the gateway prefix, e.g. "/analytics"
    tmp: Path
    tls_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    args: list[str] = field(default_factory=list)
    ready_path: str = "/readyz"
    cwd: Path = REPO_ROOT
    ports: list[int] = field(default_factory=list)
    instances: list[subprocess.Popen[bytes] | None] = field(default_factory=list)
    nginx: subprocess.Popen[bytes] | None = None
    https_port: int = 0

    @property
    def gateway(self) -> str:
        return f"https://localhost:{self.https_port}{self.prefix}"

    def direct(self, k: int) -> str:
        return f"http://127.0.0.1:{self.ports[k]}"

    def tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.tls_dir / "ca.crt"))

    def start_instance(self, k: int) -> None:
        log = self.tmp / f"{self.service}-{k}.log"
        command = [str(VENV_BIN / self.script), *self.args, "--port", str(self.ports[k])]
        env = {**os.environ, "ROOT_PATH": self.prefix, "PYTHONUNBUFFERED": "1", **self.env}
        process = subprocess.Popen(
            command, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, cwd=self.cwd
        )
        self.instances[k] = process
        deadline = time.monotonic() + READY_DEADLINE
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"{self.service} {k} exited {process.returncode}: {log.read_text()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.direct(k) + self.ready_path, timeout=3).status_code == 200:
                    return
            time.sleep(0.3)
        pytest.fail(f"{self.service} {k} not ready: {log.read_text()[-2000:]}")

    def start(self) -> None:
        base = free_port_series(2, STEP)
        self.ports, self.instances = [base, base + STEP], [None, None]
        self.https_port = free_port()
        routes = self.tmp / "routes.toml"
        routes.write_text(
            f'instance_port_step = {STEP}\n[[routes]]\nprefix = "{self.prefix}/"\n'
            f'service = "{self.service}"\nport = {base}\n'
        )
        for k in (0, 1):  # one after the other: the first makes the schema, the second finds it
            self.start_instance(k)
        conf, prefix = self.tmp / "nginx.conf", self.tmp / "prefix"
        flags = ["--routes-file", str(routes), "--instances", f"{self.service}=2"]
        flags += ["--tls-dir", str(self.tls_dir), "--prefix-dir", str(prefix)]
        flags += ["--listen-host", "127.0.0.1", "--worker-processes", "1"]
        flags += ["--https-port", str(self.https_port), "--http-port", str(free_port())]
        result = render(conf, *flags)
        assert result.returncode == 0, result.stderr
        self.nginx = start_nginx(conf, prefix, self.https_port)

    def kill(self, k: int) -> None:
        """kill -9 of instance k, by its pid."""
        process = self.instances[k]
        assert process is not None
        process.send_signal(signal.SIGKILL)
        process.wait()
        self.instances[k] = None

    def stop(self) -> None:
        if self.nginx is not None:
            stop(self.nginx, signal.SIGQUIT)
        for process in self.instances:
            if process is not None:
                stop(process)


# send(client, gateway base URL, client number, request number) -> (status, keys the write carried)
Send = Callable[[httpx.AsyncClient, str, int, int], Awaitable[tuple[int, list[str]]]]


@dataclass
class Load:
    """What the clients sent and what they were answered."""

    accepted: list[str] = field(default_factory=list)  # keys of writes answered with `ok`
    answers: Counter[tuple[str, int]] = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)
    sent: int = 0
    before_kill: int = 0


async def run_load(
    pair: Pair, send: Send, ok: int, read: str | None, headers: dict[str, str]
) -> Load:
    """CLIENTS clients write (and GET `read`, if given) through the private gateway; instance 1
    is killed KILL_AFTER seconds in."""
    load = Load()
    half_sent = asyncio.Event()
    until = time.monotonic() + LOAD_SECONDS

    async def client_loop(n: int) -> None:
        async with httpx.AsyncClient(verify=pair.tls(), timeout=60, headers=headers) as client:
            k = 0
            while time.monotonic() < until and load.sent < MAX_WRITES:
                load.sent += 1
                if load.sent >= MAX_WRITES // 2:
                    half_sent.set()
                try:
                    status, keys = await send(client, pair.gateway, n, k)
                except httpx.TransportError:
                    status, keys = CUT, []
                load.answers[("write", status)] += 1
                if status == ok:
                    load.accepted.extend(keys)
                elif status not in RETRYABLE | {CUT}:
                    load.unexpected.append(f"write {status}")
                if read is not None:
                    got = await answered(client.get(pair.gateway + read))
                    load.answers[("GET", got)] += 1
                    if got not in {200, CUT} | RETRYABLE:
                        load.unexpected.append(f"GET {got}")
                k += 1

    clients = [asyncio.create_task(client_loop(n)) for n in range(CLIENTS)]
    # After KILL_AFTER seconds, or sooner on a fast machine once half the writes are sent.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(half_sent.wait(), KILL_AFTER)
    load.before_kill = sum(load.answers.values())
    pair.kill(1)
    await asyncio.gather(*clients)
    return load


def check(load: Load, stored: Counter[str]) -> None:
    """Every accepted key stored exactly once; nothing but clean, retryable refusals."""
    after_kill = sum(load.answers.values()) - load.before_kill
    assert load.unexpected == [], (load.unexpected[:10], load.answers)
    cut_in_flight(load.answers, CLIENTS)
    assert load.before_kill > 0 and after_kill > 0, load.answers  # the kill happened mid-load
    assert load.accepted, load.answers
    lost = [key for key in load.accepted if stored[key] == 0]
    doubled = {key: count for key, count in stored.items() if count > 1}
    assert lost == [] and doubled == {}, (lost[:10], doubled, load.answers)
    assert len(set(load.accepted)) == len(load.accepted)
    print(f"answers {dict(load.answers)}; accepted {len(load.accepted)}; stored {len(stored)}")
