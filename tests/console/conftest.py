"""The console in Debian's headless Chromium through the running suite's gateway
(https://localhost:8443), signed in as the generated operator (MERIDIAN_ADMIN_USER/PASSWORD from
.local/dev.env). The dev CA is not in Chromium's store, so the browser skips the certificate check;
every call the tests make themselves verifies TLS against the dev CA."""

from __future__ import annotations

import os
import ssl
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
GATEWAY = os.environ.get("GATEWAY_URL", "https://localhost:8443")
CA = os.environ.get("MERIDIAN_CA", str(ROOT / ".local" / "tls" / "ca.crt"))
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
BROWSER_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
REPORT_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', e =>
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + e.blockedURI));
"""


def dev_env() -> dict[str, str]:
    """.local/dev.env's settings, the process environment winning."""
    values: dict[str, str] = {}
    path = ROOT / ".local" / "dev.env"
    if path.exists():
        for line in path.read_text().splitlines():
            name, sep, value = line.partition("=")
            if sep and not name.startswith("#"):
                values[name.strip()] = value.strip().strip("'\"")
    return {**values, **{k: v for k, v in os.environ.items() if k in values}}


ENV = dev_env()
ADMIN_USER = ENV.get("MERIDIAN_ADMIN_USER", "")
ADMIN_PASSWORD = ENV.get("MERIDIAN_ADMIN_PASSWORD", "")


def tls() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=CA)


class Leader:
    """config-leader through the gateway, as an operator (TLS verified)."""

    def __init__(self, username: str, password: str):
        self.http = httpx.Client(base_url=f"{GATEWAY}/config", verify=tls(), timeout=60)
        answer = self.http.post("/auth/login", json={"username": username, "password": password})
        assert answer.status_code == 200, answer.text
        self.token = answer.json()["token"]
        self.http.headers["Authorization"] = f"Bearer {self.token}"

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.request(method, path, **kwargs)


@pytest.fixture(scope="module")
def leader() -> Iterator[Leader]:
    if not (ADMIN_USER and ADMIN_PASSWORD):
        pytest.skip("MERIDIAN_ADMIN_USER/PASSWORD are not in .local/dev.env: run `make up`")
    try:
        client = Leader(ADMIN_USER, ADMIN_PASSWORD)
    except httpx.HTTPError as exc:
        pytest.skip(f"the suite's gateway is not reachable: {exc}")
    yield client
    client.http.post("/auth/logout")
    client.http.close()


def new_page(p: Any, profile: str, width: int, height: int) -> Any:
    return p.chromium.launch_persistent_context(
        profile,
        executable_path=str(CHROMIUM),
        headless=True,
        args=BROWSER_ARGS,
        ignore_https_errors=True,  # the dev CA; the tests' own calls verify it
        viewport={"width": width, "height": height},
    )


@pytest.fixture
def browser(leader: Leader) -> Iterator[tuple[Any, list[str]]]:
    """A fresh headless Chromium page at 1280x800, and the page's errors (CSP ones included)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: `bash deploy/local/suite.sh test-deps`"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile, playwright_api.sync_playwright() as p:
        context = new_page(p, profile, 1280, 800)
        context.add_init_script(REPORT_VIOLATIONS)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on(
            "console",
            lambda m: (
                errors.append(m.text)
                if m.type == "error" and ("CSP" in m.text or "Content Security Policy" in m.text)
                else None
            ),
        )
        yield page, errors
        context.close()
        assert not errors, errors


def sign_in(page: Any, username: str, password: str, view: str = "") -> None:
    """Signs in through the form (at `view`, a hash URL like /config/settings)."""
    page.goto(f"{GATEWAY}/#{view}" if view else f"{GATEWAY}/")
    page.wait_for_selector("#signin-form", state="visible", timeout=30_000)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("#sign-in")
    page.wait_for_selector("#sign-out", timeout=30_000)


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"console-{name}.png"), full_page=True)
