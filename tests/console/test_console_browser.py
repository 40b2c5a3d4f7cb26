"""The console through the gateway in a real Chromium, against the running suite: sign-in and
sign-out, an ended session, the Configuration section (a variable added, notified, its diff in
History, rolled back), an operator without settings:update refused in words, the Metrics section
signed in, phone width. Screenshots of each view in tests/artifacts/console-*.png."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

import httpx
import pytest

from tests.console.conftest import (
    ADMIN_PASSWORD,
    ADMIN_USER,
    GATEWAY,
    Leader,
    shot,
    sign_in,
    tls,
)

pytestmark = pytest.mark.timeout(300)


def text_of(page: Any, selector: str) -> str:
    return str(page.locator(selector).inner_text(timeout=30_000))


def wait_text(page: Any, selector: str, words: str, timeout: int = 30_000) -> None:
    """Waits until the element's text holds `words` (polling, with a deadline)."""
    page.wait_for_function(
        "([s, w]) => (document.querySelector(s)?.textContent ?? '').includes(w)",
        arg=[selector, words],
        timeout=timeout,
    )


def test_sign_in_refusal_sign_out_and_an_ended_session(browser, leader: Leader) -> None:
    page, _ = browser
    response = page.goto(f"{GATEWAY}/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    page.wait_for_selector("#signin-form", state="visible", timeout=30_000)
    shot(page, "signin")
    page.fill("input[name=username]", ADMIN_USER)
    page.fill("input[name=password]", "not-the-password")
    page.click("#sign-in")
    wait_text(page, "#signin-error", "Wrong username or password")

    sign_in(page, ADMIN_USER, ADMIN_PASSWORD, "/config/followers")
    assert text_of(page, "#operator-name") == ADMIN_USER
    assert page.url.endswith("#/config/followers")  # the view asked for opens after sign-in
    page.reload()  # the token is kept in this tab: still signed in, same view
    page.wait_for_selector("#sign-out", timeout=30_000)
    assert page.url.endswith("#/config/followers")

    page.click("#sign-out")
    page.wait_for_selector("#signin-form", state="visible")
    wait_text(page, "#signin-message", "You signed out")
    assert page.evaluate("() => sessionStorage.length") == 0
    shot(page, "signed-out")

    # A token the services refuse (here: its signature spoilt) ends the session, saying why.
    sign_in(page, ADMIN_USER, ADMIN_PASSWORD, "/config/settings")
    page.evaluate(
        """() => { const k = 'meridian.console.session';
        const s = JSON.parse(sessionStorage.getItem(k)); s.token = s.token.slice(0, -6) + 'AAAAAA';
        sessionStorage.setItem(k, JSON.stringify(s)); }"""
    )
    page.reload()
    page.wait_for_selector("#signin-form", state="visible", timeout=30_000)
    wait_text(page, "#signin-message", "Signed out")

    # At the token's expiry the console signs out by itself, saying so (here: made to end in 6 s; the
    # message comes only from the timer: a session found expired at load is dropped silently).
    sign_in(page, ADMIN_USER, ADMIN_PASSWORD, "/config/settings")
    page.evaluate(
        """() => { const k = 'meridian.console.session';
        const s = JSON.parse(sessionStorage.getItem(k));
        s.expiresAt = new Date(Date.now() + 6000).toISOString();
        sessionStorage.setItem(k, JSON.stringify(s)); }"""
    )
    page.reload()
    wait_text(page, "#signin-message", "Your session expired")


def test_a_variable_added_notified_diffed_and_rolled_back(browser, leader: Leader) -> None:
    page, _ = browser
    name = f"CONSOLE_TEST_{uuid.uuid4().hex[:8].upper()}"
    before = leader.call("GET", "/admin/settings").json()["revision"]
    sign_in(page, ADMIN_USER, ADMIN_PASSWORD, "/config/settings")
    page.wait_for_selector("table.vars tbody tr")
    shot(page, "variables")
    try:
        # The leader's validation, beside the field it names: a name that is not an identifier.
        page.fill("input[name=new-name]", "9" + name)
        page.fill("input[name=new-value]", "x")
        page.click("#add-variable")
        wait_text(page, ".add-variable .field-error", "not a variable name")
        # A number edited into text is refused before it is sent, on its field.
        burst = page.locator("tr[data-variable=GATEWAY_BURST] input")
        if burst.count():
            burst.fill("lots")
            page.click("#save-settings")
            wait_text(page, "tr[data-variable=GATEWAY_BURST] .field-error", "not valid JSON")
            shot(page, "variables-field-error")
            page.get_by_role("button", name="Discard").click()

        page.fill("input[name=new-name]", name)
        page.fill("input[name=new-value]", "from the console")
        page.click("#add-variable")
        wait_text(page, "#settings-saved", f"{name} changed")
        page.wait_for_selector(f"tr[data-variable={name}]")
        added = leader.call("GET", "/admin/settings").json()["revision"]
        assert added == before + 1

        page.get_by_role("link", name="Followers").click()
        page.wait_for_selector("#follower-status tbody tr")
        page.click("#notify")
        page.wait_for_selector("#notify-results tbody tr", timeout=60_000)
        results = page.locator("#notify-results tbody tr")
        followers = leader.call("GET", "/admin/followers").json()["followers"]
        assert results.count() == len(followers) >= 1
        for row in range(results.count()):
            assert f"applied revision {added}" in results.nth(row).inner_text()
        wait_text(page, "#follower-status", str(added))
        shot(page, "followers-notified")

        page.get_by_role("link", name="History").click()
        newest = page.locator(f"li[data-revision='{added}']")
        newest.wait_for(timeout=30_000)
        row = newest.locator(f"tr[data-variable={name}]")
        assert row.locator("td.hint").inner_text() == "(not set)"
        assert row.locator("td.ins").inner_text() == "from the console"
        shot(page, "history")

        # Roll back to the revision before: the variable is gone, as a new revision.
        page.get_by_role("button", name=f"Roll back to revision {before}").click()
        page.get_by_role("button", name=f"Confirm rollback to {before}").click()
        wait_text(page, "#rollback-done", f"holds the variables of revision {before}")
        page.locator(f"li[data-revision='{added + 1}']").wait_for()
        shot(page, "history-rolled-back")
    finally:
        settings = leader.call("GET", "/admin/settings").json()
        if name in str(settings["settings"]):
            done = leader.call("POST", f"/admin/settings/rollback/{before}")
            assert done.status_code == 200, done.text
    assert name not in str(leader.call("GET", "/admin/settings").json()["settings"])


def test_an_operator_without_settings_update_sees_the_change_refused(
    browser, leader: Leader
) -> None:
    page, _ = browser
    username = f"console-{uuid.uuid4().hex[:6]}"
    password = secrets.token_urlsafe(12)
    sign_in(page, ADMIN_USER, ADMIN_PASSWORD, "/config/operators")
    try:
        page.wait_for_selector("li.operator")
        page.fill("form.create-operator input[name=username]", username)
        page.fill("form.create-operator input[name=password]", password)
        # the form starts with settings:read only; leave it so
        assert page.is_checked("#new-settings-read")
        assert not page.is_checked("#new-settings-update")
        page.click("#create-operator")
        page.wait_for_selector(f"li[data-operator='{username}']")
        shot(page, "operators")
        created = leader.call("GET", f"/users/{username}").json()["user"]
        assert created["permissions"]["settings"] == ["read"]

        # Changing permissions in place: add settings:notify, then take it away again.
        row = page.locator(f"li[data-operator='{username}']")
        row.get_by_role("button", name=f"Change permissions of {username}").click()
        row.locator(f"#edit-{username}-settings-notify").check()
        row.get_by_role("button", name="Save permissions").click()
        page.wait_for_function(
            "u => document.querySelector(`li[data-operator='${u}'] .hint`)"
            "?.textContent.includes('notify')",
            arg=username,
        )
        changed = leader.call("GET", f"/users/{username}").json()["user"]["permissions"]
        assert changed["settings"] == ["notify", "read"]
        row.get_by_role("button", name=f"Change permissions of {username}").click()
        row.locator(f"#edit-{username}-settings-notify").uncheck()
        row.get_by_role("button", name="Save permissions").click()
        page.wait_for_function(
            "u => !document.querySelector(`li[data-operator='${u}'] .hint`)"
            "?.textContent.includes('notify')",
            arg=username,
        )

        page.click("#sign-out")
        sign_in(page, username, password, "/config/settings")
        page.wait_for_selector("table.vars tbody tr")  # settings:read: the variables show
        first = page.locator("table.vars tbody tr input").first
        first.fill(first.input_value() + "-changed")
        page.click("#save-settings")
        wait_text(page, "#settings-error", "Refused (403 Forbidden)")
        assert f"{username} lacks settings:update" in text_of(page, "#settings-error")
        shot(page, "settings-refused")

        page.get_by_role("link", name="Followers").click()
        page.click("#notify")
        wait_text(page, "#notify-error", "Refused (403 Forbidden)")
        page.get_by_role("link", name="Operators").click()
        page.wait_for_selector(".notice.refused")  # no users:read either
        assert "lacks users:read" in text_of(page, ".notice.refused")
    finally:
        leader.call("DELETE", f"/users/{username}")
    assert leader.call("GET", f"/users/{username}").status_code == 404


def test_the_metrics_section_signed_in_and_phone_width(browser, leader: Leader) -> None:
    page, _ = browser
    # metrics-api checks an operator's token with the leader's public key alone: the signed-in
    # operator's token reads; a forged one is a 401 saying why
    metrics = f"{GATEWAY}/metrics/api/v1/metrics?tables=all"
    signed = httpx.get(metrics, headers={"Authorization": f"Bearer {leader.token}"}, verify=tls())
    assert signed.status_code == 200, signed.text
    forged = leader.token[:-6] + ("AAAAAA" if not leader.token.endswith("AAAAAA") else "BBBBBB")
    refused = httpx.get(metrics, headers={"Authorization": f"Bearer {forged}"}, verify=tls())
    assert refused.status_code == 401, refused.text
    assert "invalid operator token" in refused.json()["error"]

    sign_in(page, ADMIN_USER, ADMIN_PASSWORD, "/metrics")
    page.wait_for_selector("#metrics[data-ready=true]", timeout=60_000)
    # metrics-api accepted the operator's token (checked with the leader's public key)
    assert "unreachable" not in text_of(page, "#status")
    assert "401" not in text_of(page, "#status")
    page.wait_for_selector("article.chart")
    shot(page, "metrics")

    # Phone width: the same page narrowed; nothing scrolls sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("link", name="Variables").click()
    page.wait_for_selector("table.vars tbody tr")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 400, f"the page scrolls sideways at phone width ({width}px)"
    shot(page, "phone-variables")
    page.get_by_role("link", name="Metrics").click()
    page.wait_for_selector("#metrics[data-ready=true]", timeout=60_000)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 400, f"Metrics scrolls sideways at phone width ({width}px)"
    shot(page, "phone-metrics")
