"""The acceptance test's setup: PM2 from npm in .local/pm2, and the ingest behind the gateway."""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
PM2_DIR = ROOT / ".local" / "pm2"
PM2_PACKAGES = ("pm2@6", "@pm2/io@6")


@pytest.fixture(scope="session")
def pm2_bin() -> Path:
    """PM2 v6 and @pm2/io installed from npm (cache in ~/.npm) into the gitignored .local/pm2."""
    binary = PM2_DIR / "node_modules" / ".bin" / "pm2"
    io = PM2_DIR / "node_modules" / "@pm2" / "io"
    if binary.exists() and io.exists():
        return binary
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: the acceptance test needs PM2 from npm")
    PM2_DIR.mkdir(parents=True, exist_ok=True)
    if not (PM2_DIR / "package.json").exists():
        (PM2_DIR / "package.json").write_text('{"name": "meridian-pm2", "private": true}\n')
    subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", *PM2_PACKAGES],
        cwd=PM2_DIR,
        check=True,
        capture_output=True,
        timeout=600,
    )
    return binary


@pytest.fixture(scope="session")
def gateway_ingest() -> str:
    """The ingest's public URL through the gateway (TLS verified with the dev CA)."""
    url = os.environ.get("GATEWAY_URL", "https://localhost:8443") + "/ingest"
    ca = os.environ.get("MERIDIAN_CA", "")
    try:
        verify = ssl.create_default_context(cafile=ca) if ca else True
        ready = httpx.get(f"{url}/readyz", verify=verify, timeout=5)
    except httpx.HTTPError as exc:
        pytest.skip(f"the gateway does not answer ({exc}): run `make up`")
    if ready.status_code != 200:
        pytest.skip(f"ingest behind the gateway is not ready: {ready.text[:200]}")
    return url
