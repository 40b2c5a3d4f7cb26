"""The console's Analytics section in a real Chromium against the running suite, signed in as the
generated operator: messages stored beforehand (through the gateway with the service's APIKEY, in
a project of this test's own) are listed and filtered by user and conversation, paged and
downloaded; an analytic is created by the form (which refuses what the service would) and
computed by the suite's workers, its result shown; phone width. A messages page is its URL
(filters, page number and cursor): reloaded or opened in another tab, the same page shows.
Screenshots in tests/artifacts/console-analytics-*.png. The messages and the analytic are deleted afterwards."""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.console.conftest import (
    ADMIN_PASSWORD,
    ADMIN_USER,
    ENV,
    GATEWAY,
    new_page,
    shot,
    sign_in,
    tls,
)

pytestmark = pytest.mark.timeout(300)
RUN = uuid.uuid4().hex[:8]
PROJECT = f"console-{RUN}"
USERS = [f"{PROJECT}-alice", f"{PROJECT}-bob"]
COMPUTE_WAIT_MS = 180_000  # a guard against stopped workers, not a speed requirement


def analytics_client() -> httpx.Client:
    key = os.environ.get("APIKEY") or ENV.get("APIKEY", "")
    return httpx.Client(
        base_url=f"{GATEWAY}/analytics", verify=tls(), timeout=30, headers={"X-Api-Key": key}
    )


def conversation(user: str, name: str, start: dt.datetime, turns: int) -> list[dict[str, Any]]:
    """`turns` request → response pairs of one user in one conversation, a minute apart."""
    out: list[dict[str, Any]] = []
    for i in range(turns):
        at = start + dt.timedelta(minutes=i)
        base = {"conversationId": name, "channel": "telegram", "userId": user, "project": PROJECT}
        out.append(
            {
                **base,
                "messageId": f"{name}-q{i}",
                "type": "request",
                "timestamp": at.isoformat(),
                "content": {"type": "text", "value": f"question {i} of {name}"},
                "intent": {"name": "ask", "confidence": 0.9},
            }
        )
        out.append(
            {
                **base,
                "messageId": f"{name}-a{i}",
                "type": "response",
                "responseTo": f"{name}-q{i}",
                "timestamp": (at + dt.timedelta(seconds=2)).isoformat(),
                "content": {"type": "text", "value": f"answer {i}"},
            }
        )
    return out


@pytest.fixture
def messages() -> Iterator[list[dict[str, Any]]]:
    """30 messages of two users in three conversations, yesterday (UTC), stored and searchable."""
    yesterday = dt.datetime.now(dt.UTC).replace(hour=9, minute=0, second=0, microsecond=0)
    yesterday -= dt.timedelta(days=1)
    stored = (
        conversation(USERS[0], f"{PROJECT}-c1", yesterday, 6)
        + conversation(USERS[0], f"{PROJECT}-c2", yesterday + dt.timedelta(hours=1), 3)
        + conversation(USERS[1], f"{PROJECT}-c3", yesterday + dt.timedelta(hours=2), 6)
    )
    with analytics_client() as api:
        answer = api.post("/messages", json=stored)
        assert answer.status_code == 201, answer.text
        try:
            yield stored
        finally:
            for user in USERS:
                assert api.delete("/messages", params={"userId": user}).status_code == 200


def wait_text(page: Any, selector: str, words: str, timeout: int = 30_000) -> None:
    page.wait_for_function(
        "([s, w]) => (document.querySelector(s)?.textContent ?? '').includes(w)",
        arg=[selector, words],
        timeout=timeout,
    )


def rows(page: Any, n: int) -> None:
    """Waits (within a deadline) until the messages table shows n rows."""
    page.wait_for_function(
        "n => document.querySelectorAll('table.messages tbody tr').length === n", arg=n
    )


def count(page: Any) -> int:
    return int(page.inner_text("#messages-count"))


def messages_url(**params: str) -> str:
    return f"{GATEWAY}/?{urlencode(params)}#/analytics/messages"


def test_messages_listed_filtered_paged_and_downloaded(
    messages: list[dict[str, Any]], browser: Any, tmp_path: Path
) -> None:
    page, _ = browser
    sign_in(page, ADMIN_USER, ADMIN_PASSWORD, "/analytics/messages")
    page.wait_for_selector("#messages-form", timeout=30_000)
    page.fill("#messages-project", PROJECT)
    page.click("#messages-search")
    # searchable once Elasticsearch refreshed (within a second): a deadline, no fixed sleep
    wait_text(page, "#messages-count", str(len(messages)))
    assert f"project={PROJECT}" in page.url  # the query is the view's URL: reload and share
    first = page.locator("table.messages tbody tr").all_inner_texts()
    assert len(first) == 25
    # each page is read from the service (its cursor): wait for it, within a deadline
    page.click("button[aria-label='next page of messages']")
    wait_text(page, "nav.pager", "page 2 of 2")
    page.wait_for_function(
        "n => document.querySelectorAll('table.messages tbody tr').length === n",
        arg=len(messages) - 25,
    )
    second = page.locator("table.messages tbody tr").all_inner_texts()
    assert not set(first) & set(second)  # no message on both pages
    shot(page, "analytics-messages")

    # the page is in the URL (its number and the service's cursor): a reload keeps it ...
    shared = page.url
    assert "page=2" in shared and "cursor=" in shared, shared
    page.reload()
    wait_text(page, "nav.pager", "page 2 of 2")
    rows(page, len(messages) - 25)
    assert page.locator("table.messages tbody tr").all_inner_texts() == second
    # ... and so does a link shared to another tab (its own sign-in, nothing in common but the URL)
    other = page.context.new_page()
    sign_in(other, ADMIN_USER, ADMIN_PASSWORD, "/analytics/messages")
    other.goto(shared)
    wait_text(other, "nav.pager", "page 2 of 2")
    rows(other, len(messages) - 25)
    assert other.locator("table.messages tbody tr").all_inner_texts() == second
    other.close()

    page.click("button[aria-label='previous page of messages']")
    wait_text(page, "nav.pager", "page 1 of 2")
    rows(page, 25)
    assert page.locator("table.messages tbody tr").all_inner_texts() == first
    assert "cursor=" not in page.url  # the first page needs none

    # downloads are the service's exports of the whole query, not of the page shown
    with page.expect_download() as download:
        page.click("#messages-csv")
    saved = tmp_path / "messages.csv"
    download.value.save_as(saved)
    assert download.value.suggested_filename.startswith(f"messages-{PROJECT}-")
    lines = saved.read_text().strip().splitlines()
    assert lines[0].startswith("traceId,timestamp,type,userId,conversationId")
    assert len(lines) == len(messages) + 1
    assert {m["messageId"] for m in messages} == {line.split(",")[6] for line in lines[1:]}
    with page.expect_download() as download:
        page.click("#messages-json")
    dumped = json.loads(Path(download.value.path()).read_text())
    assert sorted(d["messageId"] for d in dumped) == sorted(m["messageId"] for m in messages)
    assert all(d["traceId"] for d in dumped)
    with page.expect_download() as download:
        page.click("#questions-csv")
    questions = Path(download.value.path()).read_text()
    assert f"total questions,{sum(m['type'] == 'request' for m in messages)}" in questions
    assert f"question 0 of {PROJECT}-c1,answer 0" in questions

    # by user (a click on a user id), then by conversation: counts as stored
    page.click(f"button[aria-label='only messages of user {USERS[1]}']")
    wait_text(page, "#messages-count", str(sum(m["userId"] == USERS[1] for m in messages)))
    assert all(
        t == USERS[1]
        for t in page.locator("table.messages tbody tr td:nth-child(3)").all_inner_texts()
    )
    page.goto(
        messages_url(
            project=PROJECT,
            **{"from": "2000-01-01T00:00", "to": "2100-01-01T00:00"},
            conversation=f"{PROJECT}-c2",
        )
    )
    wait_text(page, "#messages-count", "6")
    wait_text(page, "#conversation-summary", "answered")
    shot(page, "analytics-conversation")
    with page.expect_download() as download:
        page.click("#messages-json")  # the conversation's messages only
    dumped = json.loads(Path(download.value.path()).read_text())
    assert {d["conversationId"] for d in dumped} == {f"{PROJECT}-c2"} and len(dumped) == 6
    # a type filter, from the URL alone
    page.goto(messages_url(project=PROJECT, type="response", user=USERS[0]))
    wait_text(page, "#messages-count", str(sum(
        m["type"] == "response" and m["userId"] == USERS[0] for m in messages
    )))  # fmt: skip


def test_an_analytic_created_and_computed_shows_its_result(
    messages: list[dict[str, Any]], browser: Any
) -> None:
    page, _ = browser
    requests = sum(m["type"] == "request" for m in messages)
    sign_in(page, ADMIN_USER, ADMIN_PASSWORD, "/analytics/descriptors/new")
    page.wait_for_selector("#analytic-form", timeout=30_000)
    # what the service would refuse is refused here, per field, and nothing is sent
    page.fill("#analytic-amount", "9x")
    page.click("#analytic-create")
    wait_text(page, "#err-project", "project")
    wait_text(page, "#err-amount", "whole number")
    assert page.get_attribute("#analytic-project", "aria-invalid") == "true"
    shot(page, "analytics-form-errors")

    page.fill("#analytic-project", PROJECT)
    page.select_option("#analytic-kind", "count")
    page.select_option("#analytic-dimension", "message")
    page.select_option("#analytic-metric", "requests")
    page.select_option("#analytic-window", "moving")
    page.fill("#analytic-amount", "7")
    page.click("#analytic-create")
    page.wait_for_url(lambda url: "#/analytics/descriptors/" in url and "/new" not in url)
    analytic_id = page.url.split("#/analytics/descriptors/", 1)[1]
    ids = [analytic_id]
    try:
        wait_text(page, "#analytic-result", "Not computed yet")
        descriptor = page.inner_text("#analytic-descriptor")
        assert '"project": "' + PROJECT + '"' in descriptor and '"value": "7d"' in descriptor
        page.click("#analytic-compute")
        page.wait_for_selector("#analytic-count", timeout=COMPUTE_WAIT_MS)
        assert page.inner_text("#analytic-count") == str(requests)
        shot(page, "analytics-result")

        # listed by the service among the project's analytics, with its result, beside one
        # this browser never saw (created through the API): newest first
        with analytics_client() as api:
            made = api.post("/analytic", json={
                "type": "count", "project": PROJECT, "dimension": "user", "metric": "total",
                "timespan": {"type": "moving", "value": "30d"},
            })  # fmt: skip
            assert made.status_code == 200, made.text
            ids.append(made.json()["id"])
        page.goto(f"{GATEWAY}/?{urlencode({'project': PROJECT})}#/analytics/descriptors")
        row = page.locator(f"tr[data-analytic='{analytic_id}']")
        row.wait_for(timeout=30_000)
        wait_text(page, f"tr[data-analytic='{analytic_id}']", f"count {requests}")
        wait_text(page, "#analytics-total", "2")
        listed = page.locator("tr[data-analytic]").evaluate_all(
            "rows => rows.map(r => r.dataset.analytic)"
        )
        assert listed == [ids[-1], analytic_id]
        shot(page, "analytics-list")

        # a segmentation over all time: messages by type, as a table of segments
        page.goto(f"{GATEWAY}/#/analytics/descriptors/new")
        page.fill("#analytic-project", PROJECT)
        page.select_option("#analytic-kind", "segmentation")
        page.select_option("#analytic-dimension", "message")
        page.select_option("#analytic-metric", "all")
        page.select_option("#analytic-window", "all")
        page.click("#analytic-create")
        page.wait_for_url(lambda url: "#/analytics/descriptors/" in url and "/new" not in url)
        ids.append(page.url.split("#/analytics/descriptors/", 1)[1])
        page.click("#analytic-compute")
        page.wait_for_selector("table.segments", timeout=COMPUTE_WAIT_MS)
        cells = page.locator("table.segments tbody tr").evaluate_all(
            "rows => rows.map(r => [r.cells[0].textContent, Number(r.cells[1].textContent)])"
        )
        by_type = {t: sum(m["type"] == t for m in messages) for t in ("request", "response")}
        assert dict(cells) == by_type, cells
        shot(page, "analytics-segmentation")
    finally:
        with analytics_client() as api:
            for made in ids:
                assert api.delete("/analytic", params={"id": made}).status_code == 200


def test_the_analytics_section_at_phone_width(
    messages: list[dict[str, Any]], leader: Any, tmp_path: Path
) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        context = new_page(p, str(tmp_path / "profile"), 390, 844)
        page = context.new_page()
        sign_in(page, ADMIN_USER, ADMIN_PASSWORD, "/analytics/messages")
        page.goto(messages_url(project=PROJECT))
        wait_text(page, "#messages-count", str(len(messages)))
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 400, width  # nothing wider than the phone: the table scrolls in its card
        shot(page, "analytics-phone")
        context.close()
