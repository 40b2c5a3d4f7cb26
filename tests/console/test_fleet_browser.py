"""The console's Fleet section in a real Chromium through the running suite's gateway, signed in as
the generated operator (no service token anywhere): a bucket created in the UI, a real PM2 (npm)
linked with the exact `pm2 link` command the UI shows, its process live in Fleet, its log line in
the live tail (search and stream filter), its thrown exception grouped in Exceptions, action
buttons showing the app's answer (with parameters, and a refusal of bad ones), PM2 restart showing
the agent's answer and the restart count going up, the events timeline, an alert rule, the chart;
phone width; the bucket deleted in the UI. Screenshots: tests/artifacts/console-fleet-*.png."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.console.conftest import ADMIN_PASSWORD, ADMIN_USER, GATEWAY, Leader, shot, sign_in, tls
from tests.console.fleet_pm2 import APP_NAME, Pm2
from tests.ingest.conftest import pm2_bin  # noqa: F401 (the fixture that installs PM2 from npm)

pytestmark = pytest.mark.timeout(600)
LIVE = 90_000  # ms: what a real agent takes to show up (link, websocket, first status) on a busy machine


# Every control of the view has a name a screen reader says (a label, aria-label or its text).
UNLABELLED = """() => [...document.querySelectorAll('main input, main select, main button, main a')]
  .filter(e => e.offsetParent !== null)
  .filter(e => !((e.labels && e.labels.length) || e.getAttribute('aria-label') || e.textContent.trim()))
  .map(e => e.outerHTML.slice(0, 120))"""


def wait_text(page: Any, selector: str, words: str, timeout: int = LIVE) -> None:
    """Waits until the element's text holds `words` (polling, with a deadline)."""
    page.wait_for_function(
        "([s, w]) => (document.querySelector(s)?.textContent ?? '').includes(w)",
        arg=[selector, words],
        timeout=timeout,
    )


def command(page: Any, button: str, answer: str, words: str) -> None:
    """Presses a command's button (from the keyboard) until its answer holds `words`: a refusal
    while the agent is away (409 not connected, 502/503 a restarting service, 504 no answer in
    time) is shown, and pressed again, as an operator would, until the deadline."""
    deadline = time.monotonic() + LIVE / 1000
    while True:
        page.focus(button)
        page.keyboard.press("Enter")
        try:
            wait_text(page, answer, words, timeout=25_000)
            return
        except PlaywrightTimeout:
            shown = page.locator(answer).inner_text() if page.locator(answer).count() else ""
            if time.monotonic() > deadline or not re.search(r"\((409|502|503|504)\)", shown):
                raise


def number_of(page: Any, selector: str) -> int:
    return int(page.locator(selector).inner_text(timeout=LIVE).strip())


def wait_number_at_least(page: Any, selector: str, least: int, timeout: int = LIVE) -> None:
    page.wait_for_function(
        "([s, n]) => Number(document.querySelector(s)?.textContent) >= n",
        arg=[selector, least],
        timeout=timeout,
    )


@pytest.fixture
def pm2(pm2_bin: Path) -> Iterator[Pm2]:  # noqa: F811
    client = Pm2(pm2_bin)
    yield client
    client.close()


@pytest.fixture
def cleanup(leader: Leader) -> Iterator[list[str]]:
    """Names of the buckets the test creates, deleted afterwards if the test did not (found by
    name: a creation still answering when the test gave up leaves no id on the page)."""
    names: list[str] = []
    yield names
    with httpx.Client(
        base_url=f"{GATEWAY}/ingest",
        verify=tls(),
        timeout=60,
        headers={"Authorization": f"Bearer {leader.token}"},
    ) as api:
        for attempt in range(3):  # a busy or restarting ingest gets two more tries
            try:
                listed = api.get("/api/admin/buckets", params={"limit": 1000})
                for bucket in listed.json() if listed.status_code == 200 else []:
                    if bucket["name"] in names:
                        api.delete(f"/api/admin/buckets/{bucket['id']}")
                if listed.status_code == 200:
                    break
            except httpx.HTTPError:
                if attempt == 2:
                    raise


def test_fleet_with_a_real_pm2(browser, pm2: Pm2, cleanup: list[str]) -> None:
    page, _ = browser
    try:
        scenario(page, pm2, cleanup)
    except BaseException:
        shot(page, "fleet-failed")  # what the page showed when it failed
        raise


def scenario(page: Any, pm2: Pm2, cleanup: list[str]) -> None:
    name = f"fleet-{uuid.uuid4().hex[:8]}"
    machine = f"fleet-web-{uuid.uuid4().hex[:6]}"

    # A new bucket, created in the UI, opens on its keys and the exact commands to copy.
    cleanup.append(name)
    sign_in(page, ADMIN_USER, ADMIN_PASSWORD, "/fleet")
    page.wait_for_selector("#new-bucket", timeout=LIVE)
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Retention (days)").fill("1")
    page.click("#create-bucket")
    page.wait_for_selector("#link-command", timeout=LIVE)
    assert re.search(r"#/fleet/b/[^/]+/keys$", page.url), page.url
    link = page.locator("#link-command").inner_text().strip()
    found = re.fullmatch(r"pm2 link (\S+) (\S+)", link)
    assert found, link
    assert found.group(1) == page.locator("#secret-key").inner_text().strip()
    assert found.group(2) == page.locator("#public-key").inner_text().strip()
    node = page.locator("#keymetrics-node").inner_text().strip()
    assert node == f"export KEYMETRICS_NODE={GATEWAY}/ingest", node
    shot(page, "fleet-keys")

    # A real PM2 linked with that command: its server and process appear live.
    pm2.start_app()
    pm2.run(*link.split()[1:], machine)
    page.get_by_role("link", name="Processes").click()
    row = f"#processes tr[data-process='{APP_NAME}'][data-server='{machine}']"
    page.wait_for_selector(row, timeout=LIVE)
    wait_text(page, f"{row} td.status", "online")
    wait_text(page, "#live-state", "live")
    wait_text(page, f"#servers tr[data-server='{machine}']", "online")
    shot(page, "fleet-processes")

    # The process (opened from the keyboard): its live facts, the live log tail, its actions.
    page.focus(f"{row} th a")
    page.keyboard.press("Enter")
    page.wait_for_selector("#process-status", timeout=LIVE)
    wait_text(page, "#process-status", "online")
    assert re.search(r"#/fleet/b/[^/]+/s/[^/]+/p/\d+$", page.url), page.url
    wait_text(page, "#log-lines", "meridian tick")

    # The stream filter: the ticks are stdout, so err alone shows none of them; then back.
    page.select_option("#log-stream", "err")
    page.wait_for_function(
        "() => !(document.querySelector('#log-lines')?.textContent ?? '').includes('meridian tick')",
        timeout=LIVE,
    )
    page.select_option("#log-stream", "out")
    page.fill("#log-search", "meridian tick")
    page.click("#log-apply")
    wait_text(page, "#log-lines", "meridian tick")
    assert "q=meridian+tick" in page.url and "stream=out" in page.url, page.url  # shareable

    # A custom action: the app's own answer.
    hello = "li[data-action='hello'] button.run-action"
    command(page, hello, "#answer-hello", "from the app")
    # with parameters: a JSON object, given to the app's action as they were typed
    page.get_by_label("parameters of echo (a JSON object, optional)").fill(
        '{"word": "meridian-42"}'
    )
    echo = "li[data-action='echo'] button.run-action"
    command(page, echo, "#answer-echo", '"word": "meridian-42"')
    page.get_by_label("parameters of echo (a JSON object, optional)").fill("[1, 2]")
    page.get_by_role("button", name="run the action echo").click()
    wait_text(page, "#answer-echo", "parameters: a JSON object")

    # A thrown exception: grouped in Exceptions, with its stack; the crash restarts the app.
    restarts = number_of(page, "#process-restarts")
    command(page, "li[data-action='boom'] button.run-action", "#answer-boom", "throwing")
    wait_text(page, "#exceptions", "meridian acceptance boom")
    group = page.locator("#exceptions li", has_text="meridian acceptance boom").first
    group.locator("summary").click()
    assert "Error: meridian acceptance boom" in group.locator("pre.stack").inner_text()
    count = re.fullmatch(r"\D(\d+)", group.locator(".count").inner_text().strip())
    assert count and int(count.group(1)) >= 1
    wait_number_at_least(page, "#process-restarts", restarts + 1)

    # PM2's restart: the agent's answer shown, the restart count up by one more.
    restarts = number_of(page, "#process-restarts")
    command(page, "#pm2-restart", "#pm2-answer", "done")
    wait_number_at_least(page, "#process-restarts", restarts + 1)
    wait_text(page, "#process-status", "online")
    wait_text(page, "#events", "online")  # PM2's exit/online process events in the timeline

    # The Metrics section's chart of the process's cpu and memory (ingest's own series).
    page.wait_for_function(
        """() => { const c = document.querySelector('.fleet-chart .chart');  // cpu and memory
                   return c?.dataset.state === 'ready'
                     && (c.dataset.points ?? '').split(',').every(n => Number(n) > 0); }""",
        timeout=LIVE,
    )
    shot(page, "fleet-process")
    assert page.evaluate(UNLABELLED) == []

    # The bucket's exceptions and events tabs, an alert rule.
    page.get_by_role("link", name="Exceptions", exact=True).click()
    wait_text(page, "#exceptions", "meridian acceptance boom")
    page.locator("#exceptions summary").first.click()
    shot(page, "fleet-exceptions")
    page.get_by_role("link", name="Events", exact=True).click()
    wait_text(page, "#events", "axm:reply")
    page.get_by_label("Channel").select_option("process:event")
    page.wait_for_function(
        """() => { const t = document.querySelector('#events')?.textContent ?? '';
                   return t.includes('process:event') && !t.includes('axm:reply'); }""",
        timeout=LIVE,
    )
    page.get_by_role("link", name="Alert rules").click()
    page.wait_for_selector("#new-rule")
    page.get_by_label("Threshold", exact=True).fill("95")
    page.click("#create-rule")
    wait_text(page, "#rules", "cpu above 95")
    page.get_by_label("rule cpu above 95 for 60 s enabled").uncheck()
    wait_text(page, "#rules td.enabled", "no")
    shot(page, "fleet-alerts")

    # A reload opens the same view; phone width keeps it usable.
    page.get_by_role("link", name="Logs", exact=True).click()
    page.reload()
    wait_text(page, "#log-lines", "meridian tick")
    assert page.input_value("#log-search") == "meridian tick"  # the search kept in the URL
    page.set_viewport_size({"width": 390, "height": 800})
    page.get_by_role("link", name="Processes").click()
    page.wait_for_selector(row, timeout=LIVE)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 400
    shot(page, "fleet-phone-processes")
    page.click(f"{row} th a")
    wait_text(page, "#process-status", "online")
    wait_text(page, "#log-lines", "meridian tick")
    page.wait_for_selector(".fleet-chart .chart[data-state='ready']", timeout=LIVE)
    shot(page, "fleet-phone-process")
    page.set_viewport_size({"width": 1280, "height": 800})

    # The bucket deleted in the UI, back to the list without it.
    page.get_by_role("link", name="Keys").click()
    page.click("#delete-bucket")
    page.click("#confirm")
    page.wait_for_selector("#new-bucket", timeout=LIVE)
    assert page.locator(f"#buckets tr[data-bucket='{name}']").count() == 0
