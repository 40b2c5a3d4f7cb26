"""The original metrics_server frontend, built from its own sources, unchanged, in Debian's headless
Chromium against our gateway and metrics-api (conftest.py): a person picks a metric and sees its
chart, then sets an alert and sees its counts. The gateway adds the read token, so what the frontend
only reads works and its saves are refused (403, which it just logs). Screenshots go to
tests/artifacts/original-frontend-*.png."""

from __future__ import annotations

import datetime as dt
import ssl
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.metrics_ui.conftest import Stack

pytestmark = pytest.mark.timeout(600)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
BROWSER_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
# Reports every Content-Security-Policy violation to the console, where the fixture collects it.
REPORT_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', e =>
  console.error('CSP violation: ' + e.effectiveDirective + ' blocked ' + e.blockedURI));
"""
# All the gateway's CSP (`default-src 'self'`) refuses of the original: its icon font's stylesheet
# from a CDN (unreachable here anyway: the buttons' icons stay blank) and the style attribute that
# colours its legend swatches. Its charts, tables and dialogs need neither.
EXPECTED_VIOLATIONS = {
    "CSP violation: style-src-elem blocked https://cdnjs.cloudflare.com/ajax/libs/font-awesome/"
    "4.7.0/css/font-awesome.min.css",
    "CSP violation: style-src-attr blocked inline",
}
WIDTH = 1280  # the frontend asks size = window width - 144
ENV = f"ui-{uuid.uuid4().hex[:8]}"
POINTS = 300  # one every 10 s, the last a minute ago: all inside the default "last 1 hours"
WARNING, ERROR = 150.0, 180.0
CHART_DASHBOARD, ALERT_DASHBOARD = f"{ENV}-charts", f"{ENV}-alerts"


def utc(text: str) -> dt.datetime:
    """An ISO time as UTC (a naive one is UTC)."""
    t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def p95_of(i: int) -> float:
    return 100.0 + 2 * (i % 50)  # 100 ... 198


def original_chart(now: dt.datetime) -> dict[str, Any]:
    """A blank chart as the original's createChart() makes it (dynamic range, last hour)."""
    return {
        "title": "",
        "rangeType": "dynamic",
        "rangePeriod": "hours",
        "rangeMultiplier": 1,
        "startDate": (now - dt.timedelta(hours=1)).isoformat(),
        "endDate": now.isoformat(),
        "selectionStartDate": None,
        "selectionEndDate": None,
        "leftAxis": "linear",
        "rightAxis": "linear",
        "metrics": [],
        "initialLoad": False,
        "previewData": [],
        "data": [],
    }


@pytest.fixture(scope="module")
def written(stack: Stack) -> dict[str, int]:
    """A timer, a counter and a gauge of the last hour, and one dashboard of each type as the
    original's "Add Dashboard" makes them, written with the write token through the root route.
    Returns the alert counts expected for the timer's p95."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    times = [now - dt.timedelta(seconds=60 + 10 * (POINTS - 1 - i)) for i in range(POINTS)]

    def point(i: int, t: dt.datetime, metric: str, **values: Any) -> dict[str, Any]:
        base = {"environment": ENV, "application": "web", "metric_name": metric}
        return {**base, "metric_timestamp": t.isoformat(), **values}

    writes = {
        "raw_timer_with_interval": [
            point(i, t, "latency", p95=p95_of(i), mean=p95_of(i) / 2, count=i, previous_count=i - 1)
            | {"duration_unit": "milliseconds", "rate_unit": "seconds"}
            for i, t in enumerate(times)
        ],
        "raw_counter_with_interval": [
            point(i, t, "requests", count=10 * i, previous_count=10 * i - 10)
            for i, t in enumerate(times)
        ],
        "raw_gauge": [point(i, t, "cpu", value=40.0 + i % 7) for i, t in enumerate(times)],
    }
    dashboards = [
        {
            "name": CHART_DASHBOARD,
            "type": "time_series",
            "data": {"name": CHART_DASHBOARD, "version": "1.0", "charts": [original_chart(now)]},
        },
        {
            "name": ALERT_DASHBOARD,
            "type": "alert",
            # The original's createAlertDashboard(), its swapped range fields included.
            "data": {
                "name": ALERT_DASHBOARD,
                "version": "1.0",
                "rangePeriod": 1,
                "rangeMultiplier": "hours",
                "alerts": [],
            },
        },
    ]
    trust = ssl.create_default_context(cafile=stack.ca)
    with httpx.Client(base_url=stack.site, verify=trust, headers=stack.write, timeout=60) as http:
        for table, points in writes.items():
            answer = http.post(f"/api/v1/metrics/{table}", json={"points": points})
            assert answer.status_code == 200, answer.text
        for dashboard in dashboards:
            answer = http.post("/api/v1/dashboards", json=dashboard)
            assert answer.status_code in (200, 201), answer.text
    values = [p95_of(i) for i in range(POINTS)]
    return {
        "warnings": sum(WARNING <= v < ERROR for v in values),
        "errors": sum(v >= ERROR for v in values),
    }


@pytest.fixture
def browser(stack: Stack) -> Iterator[tuple[Any, list[str], list[Any]]]:
    """A headless Chromium page on the private gateway; its uncaught errors and CSP violations;
    its API answers."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: `bash deploy/local/suite.sh test-deps`"
    with tempfile.TemporaryDirectory() as profile, playwright_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=BROWSER_ARGS,
            ignore_https_errors=True,  # the private gateway's own dev CA
            viewport={"width": WIDTH, "height": 900},
        )
        context.add_init_script(REPORT_VIOLATIONS)
        page = context.new_page()
        page_errors: list[str] = []
        answers: list[Any] = []
        page.on("pageerror", lambda e: page_errors.append(str(e)))
        page.on(
            "console",
            lambda m: page_errors.append(m.text) if m.text.startswith("CSP violation") else None,
        )
        page.on("response", lambda r: answers.append(r) if "/api/v1/" in r.url else None)
        try:
            yield page, page_errors, answers
        finally:
            context.close()


def pick(page: Any, metric: str) -> list[tuple[str, str, str]]:
    """In the open dialog's metric picker: our environment, then the metric's add/select button.
    Returns the (environment, application, metric) rows the picker offered."""
    dialog = page.locator(".dialog")
    dialog.locator(".metric-picker__select").first.select_option(ENV)
    rows = dialog.locator(".metric-picker__tr")
    rows.first.wait_for()
    offered = [
        (
            row.locator(".metric-picker__env-col").inner_text(),
            row.locator(".metric-picker__app-col").inner_text(),
            row.locator(".metric-picker__metric-col").inner_text(),
        )
        for row in rows.all()
    ]
    rows.filter(has_text=metric).locator(".metric-picker__add-col button").click()
    return offered


def wait_drawn(line: Any, points: int) -> None:
    """Waits until the chart's line holds `points` points (d3: "M", then one "L" per further
    point) and its 1 s transition is over (the path stays the same for over a second)."""
    last, still_since = None, time.monotonic()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        d = line.get_attribute("d") or ""
        if d != last:
            last, still_since = d, time.monotonic()
        elif len(d.split("L")) == points and time.monotonic() - still_since > 1.2:
            return
        time.sleep(0.2)
    pytest.fail(f"the chart never settled on {points} points: {len((last or '').split('L'))}")


def check_errors(page_errors: list[str]) -> None:
    """No uncaught error (the original's measure list throws on a table it does not know), and no
    CSP violation but the expected ones."""
    violations = {e for e in page_errors if e.startswith("CSP violation")}
    assert [e for e in page_errors if e not in violations] == []
    assert violations <= EXPECTED_VIOLATIONS


def refused_saves(answers: list[Any]) -> list[int]:
    """The statuses of the frontend's dashboard saves (PUT)."""
    return [a.status for a in answers if a.request.method == "PUT"]


def test_pick_a_metric_and_see_its_chart(stack: Stack, written, browser) -> None:
    page, page_errors, answers = browser
    page.goto(f"{stack.site}/")
    # Its index redirects to its dashboards list, read through /api/v1/dashboards.
    page.locator(f"text={CHART_DASHBOARD}").click()
    page.locator("button", has_text="choose a metric").click()

    offered = pick(page, "latency")
    # Only the original's tables: a gauge would make its measure list throw.
    assert sorted(offered) == [(ENV, "web", "latency"), (ENV, "web", "requests")]

    page.locator(".dialog .metrics-settings__metric select").first.select_option("p95")
    with page.expect_response(lambda r: "/metrics/raw_timer_with_interval/" in r.url) as data:
        page.locator(".dialog .dialog__button", has_text="save").click()
    answer = data.value
    assert answer.status == 200, answer.text()
    query = httpx.URL(answer.url).params
    assert query["columns"] == "p95" and query["size"] == str(WIDTH - 144)
    rows = answer.json()["data"]["rows"]
    assert len(rows) == POINTS and [r[1] for r in rows] == [p95_of(i) for i in range(POINTS)]

    line = page.locator("svg.d3-chart path.line").first
    wait_drawn(line, POINTS)
    assert line.get_attribute("stroke")
    legend = page.locator("table.legend tr.legend-row").first
    assert "latency" in legend.inner_text() and "p95" in legend.inner_text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "original-frontend-chart.png"), full_page=True)

    # Its brush: a drag across the right half of the preview fetches that range again.
    brush = page.locator("svg.preview g.brush-area rect.overlay").bounding_box()
    assert brush is not None
    y = brush["y"] + brush["height"] / 2
    with page.expect_response(lambda r: "/metrics/raw_timer_with_interval/" in r.url) as zoomed:
        page.mouse.move(brush["x"] + brush["width"] * 0.5, y)
        page.mouse.down()
        page.mouse.move(brush["x"] + brush["width"] * 0.95, y, steps=8)
        page.mouse.up()
    answer = zoomed.value
    assert answer.status == 200, answer.text()
    query = httpx.URL(answer.url).params
    start, end = (utc(query[k]) for k in ("start_timestamp", "end_timestamp"))
    zoomed_rows = answer.json()["data"]["rows"]
    assert 0 < len(zoomed_rows) < POINTS
    assert all(start <= utc(r[0]) <= end for r in zoomed_rows)
    wait_drawn(line, len(zoomed_rows))
    page.screenshot(path=str(ARTIFACTS / "original-frontend-zoomed.png"), full_page=True)

    check_errors(page_errors)
    # Reads answered; its save of the edited dashboard is refused to the read token.
    reads = [a for a in answers if a.request.method == "GET"]
    assert reads and all(a.status == 200 for a in reads), [(a.url, a.status) for a in reads]
    assert refused_saves(answers) and set(refused_saves(answers)) == {403}


def test_set_an_alert_and_see_its_counts(stack: Stack, written, browser) -> None:
    page, page_errors, answers = browser
    page.goto(f"{stack.site}/#/dashboards/alert/{ALERT_DASHBOARD}")
    page.locator("button", has_text="Add Alert").click()

    offered = pick(page, "latency")
    assert sorted(offered) == [(ENV, "web", "latency"), (ENV, "web", "requests")]
    settings = page.locator(".dialog .alert-settings")
    settings.locator("select").select_option("p95")
    numbers = settings.locator("input[type=number]")
    numbers.nth(0).fill(str(WARNING))
    numbers.nth(1).fill(str(ERROR))
    assert "milliseconds" in settings.inner_text()  # the timer's duration_unit from the listing
    with page.expect_response(lambda r: "/api/v1/alerts/" in r.url) as alerts:
        page.locator(".dialog .dialog__button", has_text="save").click()
    answer = alerts.value
    assert answer.status == 200, answer.text()
    body = answer.json()
    assert (len(body["warnings"]), len(body["errors"])) == (written["warnings"], written["errors"])

    row = page.locator("tr.alert-row").first
    warning_cell = row.locator(".alert-row__col__warning .alert-row__col-count")
    error_cell = row.locator(".alert-row__col__error .alert-row__col-count")
    warning_cell.filter(has_text=str(written["warnings"])).wait_for()
    assert error_cell.inner_text() == str(written["errors"])
    assert "latency" in row.inner_text() and "p95" in row.inner_text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "original-frontend-alert.png"), full_page=True)

    check_errors(page_errors)
    assert set(refused_saves(answers)) == {403}
