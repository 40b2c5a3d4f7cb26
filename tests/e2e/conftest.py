"""End-to-end tests reach the suite through the gateway, verifying TLS against the development CA."""

from __future__ import annotations

import importlib.util
import os
import ssl
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _load_wait_ready():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "wait_ready", ROOT / "deploy" / "local" / "wait_ready.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# deploy/local/wait_ready.py: which services the gateway routes, and under which prefix.
wait_ready = _load_wait_ready()
GATEWAY = os.environ.get("GATEWAY_URL", "https://localhost:8443")
CA = os.environ.get("MERIDIAN_CA", str(ROOT / ".local" / "tls" / "ca.crt"))


def tls() -> ssl.SSLContext:
    """A client context that trusts only the development CA."""
    return ssl.create_default_context(cafile=CA)
