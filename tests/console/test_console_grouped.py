"""The Variables view on a leader whose platform.yml is grouped with descriptions (a private leader
of tests/config's, so the suite's variables stay as they are): groups and descriptions shown, a value
under which a template no longer renders refused by the leader, its error on that field, nothing
saved; a good value saved. The browser's /config/ calls go to the private leader."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.config.operators_api import FIRST_USER, OperatorsApi, operators_leader
from tests.console.conftest import GATEWAY, shot, sign_in

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def private_leader(tmp_path: Path) -> Iterator[OperatorsApi]:
    with operators_leader(tmp_path) as (_, api):
        yield api


def to_leader(leader_url: str):  # type: ignore[no-untyped-def]
    """A route handler: the page's /config/... calls go to the private leader (prefix stripped)."""

    def forward(route: Any) -> None:
        request = route.request
        path = request.url.split("/config", 1)[1]
        answer = httpx.request(
            request.method,
            leader_url + path,
            content=request.post_data_buffer,
            headers={k: v for k, v in request.headers.items() if k.lower() != "host"},
            timeout=30,
        )
        route.fulfill(
            status=answer.status_code,
            body=answer.content,
            headers={"content-type": answer.headers.get("content-type", "application/json")},
        )

    return forward


def test_grouped_variables_with_descriptions_and_a_refused_value(
    browser, private_leader: OperatorsApi
) -> None:
    page, _ = browser
    page.route(f"{GATEWAY}/config/**", to_leader(private_leader.url))
    sign_in(page, FIRST_USER, private_leader.first_password, "/config/settings")
    page.wait_for_selector("table.vars tbody tr")
    headings = page.locator("section.card h3").all_inner_texts()
    assert "Machines and platform" in headings and "Services" in headings
    port = page.locator("tr[data-variable=PORT]")
    assert port.locator("td.hint").inner_text() == "HTTPS port"
    assert port.locator("input").input_value() == "8443"
    shot(page, "grouped-variables")

    # PORT stands bare in a JSON template: a string there breaks the file; the leader refuses it.
    port.locator("input").fill('"not a number"')
    page.click("#save-settings")
    error = port.locator(".field-error")
    error.wait_for(timeout=30_000)
    assert "invalid after rendering" in error.inner_text()
    assert "app.json" in error.inner_text()
    shot(page, "grouped-variables-refused")
    settings = private_leader.call("GET", "/admin/settings", key=private_leader.admin_key).json()
    assert settings["revision"] == 1
    assert settings["settings"]["MACHINES"]["settings"]["PORT"]["value"] == 8443

    port.locator("input").fill("9443")
    page.click("#save-settings")
    page.wait_for_selector("#settings-saved")
    assert "PORT changed" in page.locator("#settings-saved").inner_text()
    settings = private_leader.call("GET", "/admin/settings", key=private_leader.admin_key).json()
    assert settings["settings"]["MACHINES"]["settings"]["PORT"]["value"] == 9443
