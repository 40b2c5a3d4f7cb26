"""End-to-end tests reach the suite through the gateway, verifying TLS against the development CA."""

from __future__ import annotations

import os
import ssl
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GATEWAY = os.environ.get("GATEWAY_URL", "https://localhost:8443")
CA = os.environ.get("MERIDIAN_CA", str(ROOT / ".local" / "tls" / "ca.crt"))


def tls() -> ssl.SSLContext:
    """A client context that trusts only the development CA."""
    return ssl.create_default_context(cafile=CA)
