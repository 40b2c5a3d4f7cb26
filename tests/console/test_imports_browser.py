"""The console's Imports section in a real Chromium against the running suite, signed in as the
generated operator: a KISSmetrics export (generated here, put in the suite's S3 server under this
test's own bucket and prefix, revision numbers no one has imported, people and far-future days no
one else has, as tests/kmdb do) imported from the Imports view shows its progress to done over
kmdb's stream, its own events-per-day chart (no days asked) and its files' bad lines by line
number; a filter table edited in place; phone width; an operator without imports:update refused
in words. Screenshots in tests/artifacts/console-imports-*.png. Rows, job results and the bucket
are removed afterwards."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiobotocore.session import get_session
from kmdb.exports.generate import ExportSpec, write_export
from kmdb.settings import Settings
from kmdb.sources.upload import upload_tree

from tests.console.conftest import (
    ADMIN_PASSWORD,
    ADMIN_USER,
    ENV,
    GATEWAY,
    Leader,
    new_page,
    shot,
    sign_in,
    tls,
)
from tests.kmdb.test_import_through_gateway import Expected, expectation, remove_rows

pytestmark = pytest.mark.timeout(420)
RUN = uuid.uuid4().hex[:10]
FILES, LINES = 2, 400
WAIT_MS = 240_000  # a guard against a stopped worker, not a speed requirement


@dataclass
class Export:
    spec: ExportSpec
    bucket: str
    prefix: str
    expected: Expected
    kmdb: httpx.Client


def kmdb_client() -> httpx.Client:
    token = os.environ.get("KMDB_API_TOKEN") or ENV.get("KMDB_API_TOKEN", "")
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.Client(base_url=f"{GATEWAY}/kmdb", verify=tls(), timeout=30, headers=headers)


def unused_first_revision(kmdb: httpx.Client) -> int:
    for _ in range(20):
        first = 5_000_000 + secrets.randbelow(3_000_000)
        if all(kmdb.get(f"/files/{r}").status_code == 404 for r in range(first, first + FILES)):
            return first
    raise AssertionError("found no unused revision numbers")


async def upload(root: Path, bucket: str, prefix: str) -> None:
    async with get_session().create_client("s3", **Settings().s3_client_args()) as s3:
        await s3.create_bucket(Bucket=bucket)
        await upload_tree(s3, root, bucket, prefix)


async def remove_bucket(bucket: str) -> None:
    async with get_session().create_client("s3", **Settings().s3_client_args()) as s3:
        async for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for item in page.get("Contents", []):
                await s3.delete_object(Bucket=bucket, Key=item["Key"])
        await s3.delete_bucket(Bucket=bucket)


@pytest.fixture
def export(tmp_path: Path) -> Iterator[Export]:
    """This test's export in its own bucket (set up before the browser, removed after it)."""
    if not os.environ.get("DATABASE_URL"):
        pytest.skip("kmdb's settings are not in the environment: `set -a; . .local/dev.env`")
    kmdb = kmdb_client()
    start = dt.date(2100, 1, 1) + dt.timedelta(days=secrets.randbelow(30_000))
    spec = ExportSpec(
        first_revision=unused_first_revision(kmdb),
        files=FILES,
        lines_per_file=LINES,
        seed=secrets.randbelow(10**6),
        id_offset=10**9 + secrets.randbelow(10**12),
        start=int(dt.datetime.combine(start, dt.time(), dt.UTC).timestamp()),
    )
    write_export(spec, tmp_path)
    bucket, prefix = f"console-imports-{RUN}", f"exports/{RUN}"
    asyncio.run(upload(tmp_path, bucket, prefix))
    whitelist = {f["name"] for f in kmdb.get("/filters/whitelisted-events").json()}
    found = Export(spec, bucket, prefix, expectation(tmp_path, spec, whitelist), kmdb)
    try:
        yield found
    finally:
        files = [kmdb.get(f"/files/{r}") for r in spec.revisions]
        import_ids = {f.json()["import_id"] for f in files if f.status_code == 200}
        for import_id in import_ids or {None}:
            asyncio.run(remove_rows(spec.revisions, import_id, found.expected.identities))
        asyncio.run(remove_bucket(bucket))
        assert kmdb.get(f"/files/{spec.first_revision}").status_code == 404
        kmdb.close()


def wait_text(page: Any, selector: str, words: str, timeout: int = 30_000) -> None:
    page.wait_for_function(
        "([s, w]) => (document.querySelector(s)?.textContent ?? '').includes(w)",
        arg=[selector, words],
        timeout=timeout,
    )


def test_an_export_imported_from_the_imports_view(export: Export, browser: Any) -> None:
    page, _ = browser
    spec, expected = export.spec, export.expected
    sign_in(page, ADMIN_USER, ADMIN_PASSWORD, "/imports")
    page.wait_for_selector("#import-form", timeout=30_000)
    # a bad source is refused in the form, nothing sent
    page.fill("#import-source", "http://not-s3")
    page.click("#import-start")
    wait_text(page, "#err-source", "s3://bucket")
    assert page.get_attribute("#import-source", "aria-invalid") == "true"

    stream_requests: list[str] = []
    page.on("request", lambda request: stream_requests.append(request.url))
    page.fill("#import-source", f"s3://{export.bucket}/{export.prefix}")
    page.fill("#import-min-revision", str(spec.first_revision))
    page.fill("#import-lookahead", "1")
    page.click("#import-start")
    page.wait_for_url(lambda url: "#/imports/i/" in url, timeout=30_000)
    import_id = page.url.split("#/imports/i/", 1)[1]
    page.wait_for_selector(f"tr[data-revision='{spec.first_revision}']", timeout=30_000)
    shot(page, "imports-progress")
    page.wait_for_selector("#import-state[data-state=finished]", timeout=WAIT_MS)
    wait_text(page, "#import-state", f"Done: all {FILES} files imported")
    progress = export.kmdb.get(f"/imports/{import_id}").json()
    assert progress["totals"]["files_done"] == FILES, progress
    for revision in spec.revisions:
        row = page.locator(f"tr[data-revision='{revision}']")
        assert row.get_attribute("data-status") == "done"
        assert "100%" in row.inner_text()
    events_total = sum(expected.events.values())
    assert page.inner_text("[data-total=events]").replace(",", "") == str(events_total)
    # the progress came over the service's stream (no reload, no polling of the import)
    assert [r for r in stream_requests if f"/kmdb/imports/{import_id}/stream" in r]
    assert not [r for r in stream_requests if r.endswith(f"/kmdb/imports/{import_id}")]

    # its own events per day, charted without asking: the export's days, from the first to the last
    page.wait_for_selector("#events-chart .chart[data-state=ready]", timeout=60_000)
    wait_text(page, "#import-days-total", f"{events_total:,} events of this import")
    days = sorted(day for day, _ in expected.events)
    span = (dt.date.fromisoformat(days[-1]) - dt.date.fromisoformat(days[0])).days + 1
    points = page.get_attribute("#events-chart .chart", "data-points")
    assert points == str(span), (points, span)  # one point a day, days without events as 0
    per_day = export.kmdb.get(f"/imports/{import_id}/events-per-day").json()
    assert per_day["total"] == events_total
    assert [d["day"] for d in per_day["days"]] == sorted({day for day, _ in expected.events})
    page.locator("#events-chart").scroll_into_view_if_needed()
    shot(page, "imports-done")

    # the same days by event name, totals as imported
    link = page.get_attribute("text=these days by event name", "href")
    assert link == f"/?from={days[0]}&to={days[-1]}#/imports/events"  # the view's own URL
    page.click("text=these days by event name")
    wait_text(page, "#events-total", str(events_total))
    page.wait_for_selector("#events-chart .chart[data-state=ready]", timeout=30_000)
    shot(page, "imports-events")

    # a file's bad lines by their line numbers
    # (tests/kmdb's expectation reads 2500 lines a file: the empty text after this export's last
    # newline is no line)
    bad_lines = {r: [n for n in expected.bad_lines[r] if n <= LINES] for r in spec.revisions}
    revision = max(spec.revisions, key=lambda r: len(bad_lines[r]))
    bad = bad_lines[revision]
    page.goto(f"{GATEWAY}/#/imports/f/{revision}")
    wait_text(page, "#errors-title", f"{len(bad)} bad lines")
    if bad:
        shown = page.locator(".file-errors tbody tr").evaluate_all(
            "rows => rows.map(r => Number(r.dataset.line))"
        )
        assert shown == bad[: len(shown)] and len(shown) == min(len(bad), 50)
    shot(page, "imports-file-errors")


def test_a_filter_table_edited_in_place(browser: Any) -> None:
    page, _ = browser
    kmdb = kmdb_client()
    name = f"console-robot-{RUN}"
    try:
        sign_in(page, ADMIN_USER, ADMIN_PASSWORD, "/imports/filters/ignored-users")
        page.wait_for_selector("#filter-add", timeout=30_000)
        page.fill("#filter-name", name)
        page.click("#filter-add-button")
        page.wait_for_selector(f"tr[data-filter='{name}']", timeout=30_000)
        assert name in {
            f["name"] for f in kmdb.get("/filters/ignored-users", params={"limit": 1000}).json()
        }
        page.click(f"button[aria-label='rename {name}']")
        page.fill(f"input[aria-label='new name for {name}']", f"{name}-2")
        page.keyboard.press("Enter")
        page.wait_for_selector(f"tr[data-filter='{name}-2']", timeout=30_000)
        names = {
            f["name"] for f in kmdb.get("/filters/ignored-users", params={"limit": 1000}).json()
        }
        assert f"{name}-2" in names and name not in names
        shot(page, "imports-filters")
        page.click(f"button[aria-label='remove {name}-2']")
        page.wait_for_selector(f"tr[data-filter='{name}-2']", state="detached", timeout=30_000)
        names = {
            f["name"] for f in kmdb.get("/filters/ignored-users", params={"limit": 1000}).json()
        }
        assert f"{name}-2" not in names
    finally:
        for leftover in (name, f"{name}-2"):
            kmdb.delete("/filters/ignored-users", params={"name": leftover})
        kmdb.close()


def test_the_imports_section_at_phone_width(leader: Any, tmp_path: Path) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        context = new_page(p, str(tmp_path / "profile"), 390, 844)
        page = context.new_page()
        sign_in(page, ADMIN_USER, ADMIN_PASSWORD, "/imports")
        page.wait_for_selector("#import-form", timeout=30_000)
        page.wait_for_selector(".live-state[data-state=live]", timeout=30_000)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 400, width  # nothing wider than the phone: tables scroll in their card
        shot(page, "imports-phone")
        context.close()


def test_the_live_files_list_reconnects_by_itself(browser: Any) -> None:
    """kmdb unreachable from the page for a while (its requests aborted in the browser): the list
    says it is reconnecting, and is live again once they pass, without a reload."""
    page, _ = browser
    sign_in(page, ADMIN_USER, ADMIN_PASSWORD, "/imports")
    page.wait_for_selector(".live-state[data-state=live]", timeout=30_000)
    page.route("**/kmdb/**", lambda route: route.abort("connectionrefused"))
    page.wait_for_selector(".live-state[data-state=retrying]", timeout=60_000)
    wait_text(page, ".live-state", "reconnecting in")
    shot(page, "imports-reconnecting")
    page.unroute("**/kmdb/**")
    page.wait_for_selector(".live-state[data-state=live]", timeout=60_000)


def test_an_operator_without_imports_update_sees_the_start_refused(
    browser: Any, leader: Leader
) -> None:
    """Reading stays open (the files list is live); starting an import and adding to a filter
    table are refused by kmdb-import with a 403 the view shows in words; nothing is written."""
    page, _ = browser
    username = f"console-reader-{RUN}"
    password = secrets.token_urlsafe(12)
    made = leader.call(
        "POST",
        "/users",
        json={"username": username, "password": password, "permissions": {"settings": ["read"]}},
    )
    assert made.status_code in (200, 201), made.text
    kmdb = kmdb_client()
    name = f"console-refused-{RUN}"
    try:
        sign_in(page, username, password, "/imports")
        page.wait_for_selector(".live-state[data-state=live]", timeout=60_000)
        page.fill("#import-source", f"s3://console-refused-{RUN}/exports")
        page.click("#import-start")
        wait_text(page, "#import-error", "Refused (403 Forbidden)", timeout=60_000)
        words = page.inner_text("#import-error")
        assert f"insufficient permissions: {username} lacks imports:update" in words, words
        assert page.get_attribute("#import-error", "class") == "notice refused"
        shot(page, "imports-refused")

        page.goto(f"{GATEWAY}/#/imports/filters/ignored-users")
        page.wait_for_selector("#filter-add", timeout=30_000)
        page.fill("#filter-name", name)
        page.click("#filter-add-button")
        wait_text(page, "#filter-add-error", f"{username} lacks imports:update", timeout=60_000)
        listed = kmdb.get("/filters/ignored-users", params={"limit": 1000}).json()
        assert name not in {f["name"] for f in listed}
    finally:
        kmdb.delete("/filters/ignored-users", params={"name": name})
        kmdb.close()
        leader.call("DELETE", f"/users/{username}")
    assert leader.call("GET", f"/users/{username}").status_code == 404
