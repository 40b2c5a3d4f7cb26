"""The console's Metrics section (the former dashboard) in a real headless Chromium (Debian's),
against a metrics-api of its own on the real Cassandra (a fresh keyspace), under the gateway's
Content-Security-Policy (`default-src 'self'`): sign in as the suite's operator (the browser's
/config/ calls go to the running config-leader through the gateway, TLS verified; metrics-api checks
the token with the leader's public key), pick a metric, see a chart with the expected number of
points, zoom with the brush, alerts, save a dashboard and load it again.
Leaves screenshots in tests/artifacts/."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cassandra.cluster import Cluster
from meridian_kit.process_testing import free_port

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD_SRC = ROOT / "gateway" / "console"
DASHBOARD_OUT = ROOT / ".local" / "console"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CASSANDRA = os.environ.get("METRICS_SERVER_CASSANDRA", "127.0.0.1:9042")
ENV = f"dash-{uuid.uuid4().hex[:6]}"
POINTS = 500  # one every 10 s, the last a minute ago: all inside "last 2 hours"
READ_TOKEN = f"read-{uuid.uuid4().hex}"
WRITE_TOKEN = f"write-{uuid.uuid4().hex}"
WRITE = {"Authorization": f"Bearer {WRITE_TOKEN}"}
CSP = "default-src 'self'"
GATEWAY = os.environ.get("GATEWAY_URL", "https://localhost:8443")
CA = os.environ.get("MERIDIAN_CA", str(ROOT / ".local" / "tls" / "ca.crt"))
TLS: ssl.SSLContext | bool = ssl.create_default_context(cafile=CA) if Path(CA).exists() else True

playwright_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def built_dashboard() -> Path:
    """The console built by its build script into .local/console."""
    if not shutil.which("npm"):
        pytest.skip("npm is not installed")
    subprocess.run(["bash", str(DASHBOARD_SRC / "build.sh")], check=True, capture_output=True)
    assert (DASHBOARD_OUT / "index.html").exists()
    return DASHBOARD_OUT


def dev_env() -> dict[str, str]:
    """.local/dev.env (the suite's operator), the process environment winning."""
    path = ROOT / ".local" / "dev.env"
    lines = path.read_text().splitlines() if path.exists() else []
    values = dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))
    values = {k.strip(): v.strip().strip("'\"") for k, v in values.items()}
    return {**values, **{k: v for k, v in os.environ.items() if k in values}}


@pytest.fixture(scope="module")
def operator() -> dict[str, str]:
    """The suite's operator and the leader's public key (asked through the gateway)."""
    env = dev_env()
    user, password = env.get("MERIDIAN_ADMIN_USER"), env.get("MERIDIAN_ADMIN_PASSWORD")
    if not (user and password):
        pytest.skip("MERIDIAN_ADMIN_USER/PASSWORD are not in .local/dev.env: run `make up`")
    with httpx.Client(base_url=f"{GATEWAY}/config", verify=TLS, timeout=30) as leader:
        try:
            login = leader.post("/auth/login", json={"username": user, "password": password})
        except httpx.HTTPError as exc:
            pytest.skip(f"the suite's gateway is not reachable: {exc}")
        assert login.status_code == 200, login.text
        auth = {"Authorization": f"Bearer {login.json()['token']}"}
        key = leader.get("/auth/public-key", headers=auth).json()["publicKey"]
        leader.post("/auth/logout", headers=auth)
    return {"username": user, "password": password, "public_key": key}


@pytest.fixture(scope="module")
def server(built_dashboard: Path, operator: dict[str, str]) -> Iterator[str]:
    """metrics-api (console script) on a fresh keyspace, serving the built dashboard at /."""
    host, _, port = CASSANDRA.split(",")[0].partition(":")
    cluster = Cluster([host], port=int(port or 9042), connect_timeout=5)
    try:
        session = cluster.connect()
    except Exception as exc:
        pytest.skip(f"cassandra not reachable: {exc}")
    keyspace = f"metric_data_test_{uuid.uuid4().hex[:10]}"
    http_port = free_port()
    env = {
        **os.environ,
        "METRICS_SERVER_KEYSPACE": keyspace,
        "METRICS_SERVER_DASHBOARD_DIR": str(built_dashboard),
        "METRICS_API_READ_TOKEN": READ_TOKEN,
        "METRICS_API_WRITE_TOKEN": WRITE_TOKEN,
        "MERIDIAN_OPERATOR_PUBLIC_KEY": operator["public_key"],
    }
    exe = Path(sys.executable).with_name("metrics-api")
    log = tempfile.TemporaryFile()  # noqa: SIM115 - read back only if the server fails to start
    proc = subprocess.Popen([str(exe), "--port", str(http_port)], env=env, stderr=log)
    url = f"http://127.0.0.1:{http_port}"
    try:
        for _ in range(240):  # the schema is created on start
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            log.seek(0)
            pytest.fail(f"metrics-api did not start: {log.read()[-2000:]!r}")
        yield url
    finally:
        proc.terminate()
        proc.wait(15)
        log.close()
        session.execute(f"DROP KEYSPACE IF EXISTS {keyspace}")
        cluster.shutdown()


@pytest.fixture(scope="module")
def series(server: str) -> list[dt.datetime]:
    """A gauge (cpu) and a counter (requests) in the last ~85 minutes, written through the API."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    times = [now - dt.timedelta(minutes=1) - dt.timedelta(seconds=10 * i) for i in range(POINTS)][
        ::-1
    ]
    gauge = [
        {
            "environment": ENV,
            "application": "web",
            "metric_name": "cpu",
            "metric_timestamp": t.isoformat(),
            "value": 40 + 30 * ((i % 60) / 60),
        }
        for i, t in enumerate(times)
    ]
    counter = [
        {
            "environment": ENV,
            "application": "web",
            "metric_name": "requests",
            "metric_timestamp": t.isoformat(),
            "count": 100 * (i + 1),
            "previous_count": 100 * i + (i % 7),
        }
        for i, t in enumerate(times)
    ]
    for table, points in (("raw_gauge", gauge), ("raw_counter_with_interval", counter)):
        r = httpx.post(
            f"{server}/metrics/api/v1/metrics/{table}",
            json={"points": points},
            headers=WRITE,
            timeout=60,
        )
        assert r.status_code == 200, r.text
    return times


@pytest.fixture
def page(server: str) -> Iterator[object]:
    """A page in Debian's Chromium, headless, with a fresh profile."""
    with tempfile.TemporaryDirectory() as profile, playwright_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile,  # a fresh --user-data-dir
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
            viewport={"width": 1440, "height": 1000},
        )  # fmt: skip
        context.route("**/*", with_csp)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on(
            "console",
            lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None,
        )
        yield page
        context.close()
        assert not errors, errors


def with_csp(route) -> None:  # type: ignore[no-untyped-def]
    """Serves every response with the gateway's Content-Security-Policy; /config/ (sign-in) goes
    to the suite's config-leader through the gateway, TLS verified against the dev CA."""
    request = route.request
    path = request.url.split("://", 1)[1].split("/", 1)[1]
    if path.startswith("config/"):
        answer = httpx.request(
            request.method,
            f"{GATEWAY}/{path}",
            content=request.post_data_buffer,
            headers={k: v for k, v in request.headers.items() if k.lower() != "host"},
            verify=TLS,
            timeout=30,
        )
        route.fulfill(status=answer.status_code, body=answer.content, headers={
            "content-type": answer.headers.get("content-type", "application/json"),
            "content-security-policy": CSP,
        })  # fmt: skip
        return
    response = route.fetch()
    route.fulfill(response=response, headers={**response.headers, "content-security-policy": CSP})


def sign_in(page, operator: dict[str, str], password: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """Signs in with the console's form; with the right password, waits for Metrics to load."""
    page.wait_for_selector("#signin-form", state="visible")
    page.fill("input[name=username]", operator["username"])
    page.fill("input[name=password]", password or operator["password"])
    page.click("#sign-in")
    if password is None:
        page.wait_for_selector("#metrics[data-ready=true]")


def wait_chart(page, points: str | None = None) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Waits for the first chart to finish drawing; returns its data-* attributes."""
    chart = page.locator("article.chart").first
    if points is not None:
        page.wait_for_function(
            "p => { const c = document.querySelector('article.chart'); return c && c.dataset.state === 'ready' && c.dataset.points === p; }",
            arg=points,
            timeout=20_000,
        )
    else:
        page.wait_for_function(
            "() => document.querySelector('article.chart')?.dataset.state === 'ready'",
            timeout=20_000,
        )
    return {
        k: chart.get_attribute(f"data-{k}") or ""
        for k in ("points", "size", "start", "end", "zoomed")
    }


def add_series(page, metric: str, column: str, axis: str) -> None:  # type: ignore[no-untyped-def]
    page.fill("input[data-filter=metric_name]", metric)
    page.click(f"tr[data-metric='{ENV}/web/{metric}']")
    page.select_option("select[name=column]", column)
    page.select_option("select[name=axis]", axis)
    page.click("#add-series")


def test_pick_chart_zoom_save_and_load(server, series, page, operator):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.goto(server + "/#/metrics")
    sign_in(page, operator, "not-the-password")  # refused: the form asks again, saying why
    page.wait_for_function(
        "() => document.getElementById('signin-error').textContent.includes('Wrong username')"
    )
    assert page.locator("#signin-form").is_visible()
    sign_in(page, operator)
    page.fill("input[data-filter=environment]", ENV)
    assert page.locator("tr[data-metric]").count() == 2  # the picker filters by environment

    page.fill("input[name=range-amount]", "2")
    page.click("#apply-range")
    add_series(page, "cpu", "value", "left")
    state = wait_chart(page, str(POINTS))
    assert int(state["size"]) >= POINTS  # about one bin per pixel: every point comes back raw
    assert page.locator("article.chart .u-over").count() == 1

    add_series(page, "requests", "interval_count", "right")
    wait_chart(page, f"{POINTS},{POINTS}")
    assert page.locator(".u-legend .u-series").count() == 3  # time + two series
    page.locator("article.chart .u-over").hover(position={"x": 400, "y": 100})
    assert page.locator(".tooltip").is_visible()
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

    # Zoom: drag the brush over the middle of the plot; the chart re-fetches that range only.
    over = page.locator("article.chart .u-over").bounding_box()
    y = over["y"] + over["height"] / 2
    page.mouse.move(over["x"] + over["width"] * 0.55, y)
    page.mouse.down()
    page.mouse.move(over["x"] + over["width"] * 0.80, y, steps=8)
    page.mouse.up()
    page.wait_for_function(
        "() => document.querySelector('article.chart')?.dataset.zoomed === 'true'"
    )
    page.wait_for_function(
        "() => { const c = document.querySelector('article.chart'); return c.dataset.state === 'ready' && Number(c.dataset.points.split(',')[0]) < 500; }",
        timeout=20_000,
    )
    zoomed = wait_chart(page)
    start, end = (
        dt.datetime.fromisoformat(zoomed[k].replace("Z", "+00:00")) for k in ("start", "end")
    )
    inside = sum(1 for t in series if start <= t <= end)
    assert 0 < inside < POINTS
    assert zoomed["points"] == f"{inside},{inside}"
    page.screenshot(path=str(ARTIFACTS / "dashboard-zoomed.png"), full_page=True)

    # The alert table: thresholds over the cpu gauge.
    page.select_option("select[name=alert-series]", index=0)
    page.fill("input[name=warning]", "60")
    page.fill("input[name=error]", "68")
    page.click("#check-alerts")
    page.wait_for_selector(".alert-table tbody tr")
    assert page.locator(".alert-table tr.error").count() > 0
    assert page.locator(".alert-table tr.warning").count() > 0

    name = f"browser-{uuid.uuid4().hex[:6]}"
    page.fill("input[name=dashboard-name]", name)
    page.click("#save-dashboard")
    page.wait_for_function(
        "n => document.getElementById('status').textContent.includes('saved') && document.getElementById('status').textContent.includes(n)",
        arg=name,
    )
    saved = httpx.get(
        f"{server}/metrics/api/v1/dashboards/time_series/{name}", headers=WRITE
    ).json()["dashboard"]["data"]
    assert [s["metric_name"] for s in saved["charts"][0]["series"]] == ["cpu", "requests"]
    assert [s["axis"] for s in saved["charts"][0]["series"]] == ["left", "right"]
    assert saved["alert"] == {"series": 0, "warning": "60", "error": "68"}

    page.reload()  # the token stays in this tab: no sign-in
    page.wait_for_selector("#metrics[data-ready=true]")
    assert page.locator("article.chart").count() == 1
    page.select_option("select[name=saved-dashboards]", name)
    page.click("#load-dashboard")
    wait_chart(page, f"{POINTS},{POINTS}")
    assert page.locator(".u-legend .u-series").count() == 3
    assert page.locator("input[name=range-amount]").input_value() == "2"
    assert page.locator("input[name=error]").input_value() == "68"
    page.screenshot(path=str(ARTIFACTS / "dashboard-loaded.png"), full_page=True)

    # Saving again under the same name replaces it (the API's POST refuses an existing name).
    page.fill("input[name=error]", "70")
    page.fill("input[name=dashboard-name]", name)
    page.evaluate("() => { document.getElementById('status').textContent = ''; }")
    page.click("#save-dashboard")
    page.wait_for_function(
        "n => document.getElementById('status').textContent.includes('saved') && document.getElementById('status').textContent.includes(n)",
        arg=name,
    )
    replaced = httpx.get(
        f"{server}/metrics/api/v1/dashboards/time_series/{name}", headers=WRITE
    ).json()["dashboard"]["data"]
    assert replaced["alert"] == {"series": 0, "warning": "60", "error": "70"}

    # Live refresh: a relative range follows the clock without any click.
    end_before = page.locator("article.chart").first.get_attribute("data-end")
    page.wait_for_function(
        "e => { const c = document.querySelector('article.chart'); return c.dataset.state === 'ready' && c.dataset.end !== e; }",
        arg=end_before,
        timeout=30_000,
    )
    assert page.locator("article.chart").first.get_attribute("data-points") == f"{POINTS},{POINTS}"
