"""The scripts page through GET /messages by time (as the seed did): with a page of 3 against the
suite's analytics, every message comes once, and a page that cannot move on is an error."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from analytics.scripts import analytics_api
from analytics.scripts.analytics_api import AnalyticsApi
from analytics.scripts.options import EPOCH, FAR_FUTURE, ScriptError
from scripts_expected import World, text
from scripts_world import ANALYTICS, CA, apikey, forget, gateway, store


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    w = World()
    # Pages of 3 end inside runs of equal timestamps: 10:00 x2, 10:01 x2, 10:02, 10:03 x2, 10:04 x2.
    for n, minute in enumerate([0, 0, 1, 1, 2, 3, 3, 4, 4]):
        w.say("paged", f"u{n % 3}", "request", f"2026-01-12T10:0{minute}:00Z", text(f"t{n}"))
    for n in range(4):
        w.say("stuck", "u0", "request", "2026-01-12T10:00:00Z", text(f"s{n}"))
    with gateway() as client:
        store(client, w.messages)
        yield w
        forget(client, w.messages)


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[AnalyticsApi]:
    monkeypatch.setattr(analytics_api, "PAGE", 3)
    monkeypatch.setenv("SSL_CERT_FILE", CA)
    client = AnalyticsApi(ANALYTICS, apikey())
    yield client
    client.close()


def test_every_message_once_oldest_first(world: World, api: AnalyticsApi) -> None:
    got = api.messages(world.app("paged"), EPOCH, FAR_FUTURE)
    expected = world.of("paged", None, FAR_FUTURE)
    assert sorted(m["messageId"] for m in got) == sorted(m["messageId"] for m in expected)
    assert [m["timestamp"] for m in got] == [m["timestamp"] for m in expected]


def test_a_page_of_equal_timestamps_is_an_error(world: World, api: AnalyticsApi) -> None:
    with pytest.raises(ScriptError, match="share the timestamp"):
        api.messages(world.app("stuck"), EPOCH, FAR_FUTURE)
