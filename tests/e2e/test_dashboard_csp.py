"""The console's Metrics section (the former dashboard), served by the gateway with its
Content-Security-Policy, signs in, loads and draws a chart in Debian's headless Chromium without a
single CSP violation (make test's test-deps installs it)."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import GATEWAY, tls

pytestmark = pytest.mark.timeout(180)

CHROMIUM = Path("/usr/bin/chromium")
ENV = f"csp-{uuid.uuid4().hex[:8]}"
POINTS = 120
BROWSER_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
# Reports every violation to the console, where the test collects it.
REPORT_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', e =>
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + e.blockedURI));
"""


@pytest.fixture(scope="module")
def gauge() -> str:
    """A gauge in the last hour, written through the gateway with the write token."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    points = [
        {
            "environment": ENV,
            "application": "web",
            "metric_name": "cpu",
            "metric_timestamp": (now - dt.timedelta(seconds=20 * i + 60)).isoformat(),
            "value": 50 + (i % 10),
        }
        for i in range(POINTS)
    ]
    token = os.environ["METRICS_API_WRITE_TOKEN"]
    answer = httpx.post(
        f"{GATEWAY}/metrics/api/v1/metrics/raw_gauge",
        json={"points": points},
        headers={"Authorization": f"Bearer {token}"},
        verify=tls(),
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    return f"{ENV}/web/cpu"


@pytest.fixture
def page() -> Iterator[tuple[Any, list[str]]]:
    """A fresh headless Chromium page (the dev CA is not in its store) and its console errors."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: `bash deploy/local/suite.sh test-deps`"
    with tempfile.TemporaryDirectory() as profile, playwright_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=BROWSER_ARGS,
            ignore_https_errors=True,
            viewport={"width": 1280, "height": 900},
        )
        context.add_init_script(REPORT_VIOLATIONS)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        yield page, errors
        context.close()


def test_dashboard_draws_under_its_content_security_policy(page, gauge) -> None:
    browser, errors = page
    response = browser.goto(f"{GATEWAY}/#/metrics", wait_until="load")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    # An operator signs in once, in the console's sign-in form (the suite's generated operator).
    browser.wait_for_selector("#signin-form", state="visible", timeout=30_000)
    # until then nothing else shows
    assert browser.locator("#metrics").count() == 0 and browser.locator("#session").count() == 0
    browser.fill("input[name=username]", os.environ["MERIDIAN_ADMIN_USER"])
    browser.fill("input[name=password]", os.environ["MERIDIAN_ADMIN_PASSWORD"])
    browser.click("#sign-in")
    browser.wait_for_selector("#metrics[data-ready=true]", timeout=30_000)
    assert browser.locator("#signin-form").count() == 0 and browser.is_visible("#session")
    browser.fill("input[data-filter=environment]", ENV)
    browser.click(f"tr[data-metric='{gauge}']")
    browser.select_option("select[name=column]", "value")
    browser.click("#add-series")
    browser.wait_for_function(
        "() => document.querySelector('article.chart')?.dataset.state === 'ready'", timeout=30_000
    )
    drawn = browser.evaluate(
        "() => { const c = document.querySelector('article.chart canvas');"
        " return c ? [c.width, c.height] : null; }"
    )
    assert drawn and drawn[0] > 0 and drawn[1] > 0, "no chart canvas"
    assert browser.locator("article.chart").get_attribute("data-points") == str(POINTS)
    violations = [e for e in errors if "Content Security Policy" in e or "CSP violation" in e]
    assert not violations, violations
    others = [e for e in errors if "401" not in e]
    assert not others, others
