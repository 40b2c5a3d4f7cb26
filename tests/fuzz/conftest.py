"""One schemathesis run of a service's OpenAPI, the way `make test` fuzzes every service.

Each tests/fuzz/test_<service>.py calls the `fuzz` fixture with the service's gateway prefix, its
credentials and the operations it leaves out (each with the reason). The run fails on any 5xx and on any answer that
contradicts the service's own OpenAPI (status code, content type, body). It is bounded: a fixed number
of examples per operation, a fixed seed (so CI replays the same cases; set MERIDIAN_FUZZ_SEED to explore
others), and a time limit for the whole run.
"""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
GATEWAY = os.environ.get("GATEWAY_URL", "https://localhost:8443")
CA = os.environ.get("MERIDIAN_CA", str(ROOT / ".local" / "tls" / "ca.crt"))

# What "0 server errors and 0 responses that contradict the service's own OpenAPI" means, as checks.
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)
EXAMPLES = int(os.environ.get("MERIDIAN_FUZZ_EXAMPLES", "15"))
SEED = os.environ.get("MERIDIAN_FUZZ_SEED", "20261202")
TIME_LIMIT = 600


@dataclass
class FuzzRun:
    """What one schemathesis run said."""

    returncode: int
    output: str
    command: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list, repr=False)

    def assert_clean(self) -> None:
        """Fails with the run's report unless schemathesis found nothing."""
        if self.returncode != 0:
            pytest.fail(self.report(), pytrace=False)

    def report(self) -> str:
        """The run's summary (credentials left out), for a failing test's message."""
        shown = [
            arg.split(":")[0] + ": [Filtered]" if arg in self.secrets else arg
            for arg in self.command
        ]
        return "\n".join(["$ " + " ".join(shown), *self.output.splitlines()[-300:]])


def operation_ids(openapi_url: str, exclude: Mapping[str, str], ca: str | None) -> list[str]:
    """The operationIds of the excluded "METHOD /path" operations; each must exist and say why."""
    if not exclude:
        return []
    spec = httpx.get(openapi_url, verify=ssl_context(ca), timeout=30).raise_for_status().json()
    ids = []
    for operation, why in exclude.items():
        assert why.strip(), f"excluding {operation} needs a reason"
        method, _, path = operation.partition(" ")
        found = spec.get("paths", {}).get(path, {}).get(method.lower())
        assert found, f"excluded operation {operation} is not in {openapi_url}"
        ids.append(found["operationId"])
    return ids


def ssl_context(ca: str | None) -> ssl.SSLContext | bool:
    """Trust only the development CA when one is given."""
    return ssl.create_default_context(cafile=ca) if ca else True


def fuzz_openapi(
    openapi_url: str,
    *,
    base_url: str,
    headers: Mapping[str, str],
    exclude: Mapping[str, str] = {},
    ca: str | None = CA,
    examples: int = EXAMPLES,
) -> FuzzRun:
    """Runs schemathesis against one service; `exclude` maps "METHOD /path" to why it is left out."""
    binary = shutil.which("schemathesis") or str(ROOT / ".venv" / "bin" / "schemathesis")
    command = [
        binary,
        "run",
        openapi_url,
        "--url",
        base_url,
        "--checks",
        ",".join(CHECKS),
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(examples),
        "--seed",
        SEED,
        # one worker: hypothesis' source cache is not thread-safe (two workers crashed the tool
        # itself now and then: "AST constructor recursion depth mismatch")
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--no-shrink",
        "--suppress-health-check",
        "all",
        "--output-sanitize",
        "true",
        "--tls-verify",
        ca or "true",
    ]
    secrets = [f"{name}: {value}" for name, value in headers.items()]
    for header in secrets:
        command += ["--header", header]
    for operation_id in operation_ids(openapi_url, exclude, ca):
        command += ["--exclude-operation-id", operation_id]
    env = {**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_TELEMETRY": "false"}
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT,
        env=env,
        check=False,
    )
    return FuzzRun(done.returncode, done.stdout + done.stderr, command, secrets)


@pytest.fixture
def gateway_client() -> Callable[..., httpx.Client]:
    """An HTTP client for the gateway that trusts the development CA: gateway_client(headers={...})."""
    return lambda **kwargs: httpx.Client(
        base_url=GATEWAY, verify=ssl_context(CA), timeout=30, **kwargs
    )


@pytest.fixture
def fuzz() -> Callable[..., FuzzRun]:
    """Fuzzes the service under a gateway prefix: fuzz("/ingest/", headers={...}, exclude={...})."""

    def run(prefix: str, **kwargs: Any) -> FuzzRun:
        base = GATEWAY + prefix.rstrip("/")
        return fuzz_openapi(base + "/openapi.json", base_url=base, **kwargs)

    return run
