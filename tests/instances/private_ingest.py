"""Two private ingest processes (`make up`'s console script, the suite's engines) behind a private
nginx rendered with `--instances ingest=2`, for the two-instance tests.

Nothing is shared with the running suite's ingest: a Redis server of their own (Debian's
redis-server, as deploy/local runs it, on a free port: their own intake, observers, mailers, command
and live channels), an index prefix and a Mongo database of their own in the suite's Elasticsearch
and MongoDB, removed afterwards; mails go to the suite's SMTP sink, to addresses of the test's own.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import ssl
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from elasticsearch import AsyncElasticsearch
from ingest.settings import Settings
from ingest.storage.templates import KINDS
from pymongo import AsyncMongoClient
from redis.asyncio import Redis

from tests.instances.private_processes import (
    REPO_ROOT,
    free_port,
    free_port_series,
    render,
    start_nginx,
    start_redis,
    stop,
)

VENV_BIN = REPO_ROOT / ".venv" / "bin"
STEP = 10
READY_DEADLINE = 90.0


def elasticsearch() -> AsyncElasticsearch:
    """A client of the suite's Elasticsearch, as ingest's settings name it."""
    return AsyncElasticsearch(Settings().elasticsearch_hosts, request_timeout=60)


@dataclass
class PrivateIngest:
    """Two ingest instances, their private gateway and their names in the shared engines."""

    tmp: Path
    tls_dir: Path
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:10])
    ports: list[int] = field(default_factory=list)
    instances: list[subprocess.Popen[bytes] | None] = field(default_factory=list)
    nginx: subprocess.Popen[bytes] | None = None
    redis_server: subprocess.Popen[bytes] | None = None
    redis_port: int = 0
    https_port: int = 0

    @property
    def index_prefix(self) -> str:
        return f"r2i{self.run}"

    @property
    def redis_prefix(self) -> str:
        return f"ingest-r2i-{self.run}"

    @property
    def mongo_database(self) -> str:
        return f"r2i_{self.run}"

    @property
    def gateway(self) -> str:
        """The private gateway's ingest base URL (https)."""
        return f"https://localhost:{self.https_port}/ingest"

    def direct(self, k: int) -> str:
        """Instance k's own base URL (k = 0 or 1), bypassing the gateway."""
        return f"http://127.0.0.1:{self.ports[k]}"

    def tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.tls_dir / "ca.crt"))

    def admin_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {os.environ['INGEST_ADMIN_TOKEN']}"}

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "KM_REDIS_URL": self.redis_url,
            "KM_INDEX_PREFIX": self.index_prefix,
            "INGEST_REDIS_PREFIX": self.redis_prefix,
            "INGEST_MONGO_DATABASE": self.mongo_database,
            "INGEST_PUBLIC_URL": self.gateway,
            "INGEST_METRICS_API_URL": "",
            # a killed instance's stream entries are claimed by the other after 3 s, not 60 s
            "INGEST_CLAIM_IDLE_MS": "3000",
            "INGEST_COMMAND_TIMEOUT": "30",
            "SENTRY_DSN": "",
        }

    def start_instance(self, k: int) -> None:
        """Starts (or restarts) instance k and waits until it is ready."""
        log = self.tmp / f"ingest-{k}.log"
        process = subprocess.Popen(
            [str(VENV_BIN / "ingest"), "--port", str(self.ports[k]), "--root-path", "/ingest"],
            env=self.env(),
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
        )
        self.instances[k] = process
        deadline = time.monotonic() + READY_DEADLINE
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"ingest {k} exited {process.returncode}: {log.read_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.direct(k)}/readyz", timeout=3).status_code == 200:
                    return
            time.sleep(0.3)
        pytest.fail(f"ingest {k} not ready in {READY_DEADLINE:.0f} s: {log.read_text()[-2000:]}")

    def kill(self, k: int) -> None:
        """kill -9 of instance k (by its pid): no graceful shutdown, no acknowledgements."""
        process = self.instances[k]
        assert process is not None
        process.send_signal(signal.SIGKILL)
        process.wait()
        self.instances[k] = None

    def owner(self, instance: str) -> int:
        """Which of the two instances an ingest instance id (`host-pid-hex`) names."""
        pid = int(instance.rsplit("-", 2)[1])
        pids = [p.pid if p else None for p in self.instances]
        assert pid in pids, f"{instance} is none of {pids}"
        return pids.index(pid)

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def start(self) -> None:
        self.redis_server, self.redis_port = start_redis(self.tmp)
        base = free_port_series(2, STEP)
        self.ports = [base, base + STEP]
        self.instances = [None, None]
        self.https_port = free_port()
        routes = self.tmp / "routes.toml"
        routes.write_text(
            f'instance_port_step = {STEP}\n[[routes]]\nprefix = "/ingest/"\nservice = "ingest"\n'
            f"port = {base}\nwebsocket = true\n"
        )
        for k in (0, 1):
            self.start_instance(k)
        conf, prefix = self.tmp / "nginx.conf", self.tmp / "prefix"
        flags = ["--routes-file", str(routes), "--instances", "ingest=2"]
        flags += ["--tls-dir", str(self.tls_dir), "--prefix-dir", str(prefix)]
        flags += ["--listen-host", "127.0.0.1", "--worker-processes", "1"]
        flags += ["--https-port", str(self.https_port), "--http-port", str(free_port())]
        result = render(conf, *flags)
        assert result.returncode == 0, result.stderr
        self.nginx = start_nginx(conf, prefix, self.https_port)

    def stop(self) -> None:
        if self.nginx is not None:
            stop(self.nginx, signal.SIGQUIT)
        for process in self.instances:
            if process is not None:
                stop(process)
        asyncio.run(self.cleanup())
        if self.redis_server is not None:
            stop(self.redis_server)

    async def cleanup(self) -> None:
        """Removes this run's indices, templates and Mongo database (its Redis goes with it)."""
        es = elasticsearch()
        try:
            with contextlib.suppress(Exception):
                found = await es.indices.get(
                    index=f"{self.index_prefix}-*", ignore_unavailable=True
                )
                names = sorted(found.body)
                for start in range(0, len(names), 50):
                    await es.indices.delete(index=",".join(names[start : start + 50]))
            for kind in KINDS:
                with contextlib.suppress(Exception):
                    await es.indices.delete_index_template(name=f"{self.index_prefix}-{kind}")
        finally:
            await es.close()
        mongo: AsyncMongoClient[Any] = AsyncMongoClient(os.environ["KM_MONGO_URL"])
        with contextlib.suppress(Exception):
            await mongo.drop_database(self.mongo_database)
        await mongo.close()

    def redis(self) -> Redis:
        return Redis.from_url(self.redis_url)

    @contextlib.contextmanager
    def paused(self, k: int) -> Iterator[None]:
        """Instance k stopped (SIGSTOP) inside the block, continued (SIGCONT) after it."""
        process = self.instances[k]
        assert process is not None
        process.send_signal(signal.SIGSTOP)
        try:
            yield
        finally:
            process.send_signal(signal.SIGCONT)

    async def idle(
        self, within: float = 120.0, streams: tuple[str, ...] = ("intake", "intake:observe", "mail")
    ) -> None:
        """Waits until every accepted frame is indexed and observed and every mail is sent:
        the intake and observe streams and the mail queue are empty (entries are deleted once
        handled), then makes the indices searchable."""
        redis = self.redis()
        streams = tuple(f"{self.redis_prefix}:{name}" for name in streams)
        try:
            deadline = time.monotonic() + within
            while True:
                lengths = [await redis.xlen(stream) for stream in streams]
                if not any(lengths):
                    break
                assert time.monotonic() < deadline, f"still pending after {within:g} s: {lengths}"
                await asyncio.sleep(0.2)
        finally:
            await redis.aclose()
        es = elasticsearch()
        try:
            await es.indices.refresh(index=f"{self.index_prefix}-*", ignore_unavailable=True)
        finally:
            await es.close()

    def bucket(self, name: str, emails: list[str] | None = None) -> dict[str, Any]:
        """A bucket created through the private gateway."""
        response = httpx.post(
            f"{self.gateway}/api/admin/buckets",
            json={"name": name, "retention_days": 7, "alert_emails": emails or []},
            headers=self.admin_headers(),
            verify=self.tls(),
            timeout=30,
        )
        assert response.status_code == 201, response.text
        return dict(response.json())


def bucket_keys(bucket: dict[str, Any], server: str | None = None) -> dict[str, str]:
    """The X-KM-* headers that open a bucket."""
    headers = {"X-KM-PUBLIC": bucket["public_key"], "X-KM-SECRET": bucket["secret_key"]}
    if server:
        headers["X-KM-SERVER"] = server
    return headers
