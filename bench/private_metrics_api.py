"""A private metrics-api process for a benchmark: its own port and keyspace, a token of the run's own."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from meridian_kit.process_testing import free_port

CASSANDRA = os.environ.get("METRICS_SERVER_CASSANDRA", "127.0.0.1:9042")


def start_metrics_api(
    keyspace: str, write_token: str, source: Path | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """The metrics-api console script on a free port (one process, the keyspace's schema applied
    by the caller), once /readyz answers; the write token also reads. `source`: a folder holding
    another version of the metrics_api package (an A/B baseline), imported instead of this tree's."""
    port = free_port()
    env = {
        **os.environ,
        "METRICS_SERVER_CASSANDRA": CASSANDRA,
        "METRICS_SERVER_KEYSPACE": keyspace,
        "METRICS_SERVER_SCHEMA_ON_START": "0",
        "METRICS_API_WRITE_TOKEN": write_token,
        "METRICS_API_READ_TOKEN": "",
        "WEB_CONCURRENCY": "1",
    }
    if source is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(source), env.get("PYTHONPATH")]))
    exe = Path(sys.executable).with_name("metrics-api")
    proc = subprocess.Popen([str(exe), "--port", str(port)], env=env, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.terminate()
    raise SystemExit("metrics-api did not become ready")
