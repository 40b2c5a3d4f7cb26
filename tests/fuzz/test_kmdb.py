"""kmdb-import's OpenAPI holds under fuzzing, with the API token.

Nothing is excluded. Two routes change state the suite shares, and the run puts it back:
- POST /filters/{kind}: a name in whitelisted-events would make every later import keep only those
  events; the names the fuzzer added are deleted afterwards (by ?name=, which takes any name).
- POST /imports: the fuzzer's sources are malformed (400), absent (404) or the suite's empty default
  bucket (202, nothing enqueued); `file://` is refused since the suite allows no folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import pytest

TOKEN = {"Authorization": f"Bearer {os.environ.get('KMDB_API_TOKEN', '')}"}
KINDS = ("ignored-users", "whitelisted-events", "blacklisted-properties")


def filter_names(client: httpx.Client, kind: str) -> set[str]:
    """Every name of a filter table, page by page."""
    names: set[str] = set()
    after: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": 1000}
        if after is not None:
            params["after"] = after
        page = client.get(f"/kmdb/filters/{kind}", params=params).raise_for_status().json()
        names |= {item["name"] for item in page}
        if len(page) < 1000:
            return names
        after = page[-1]["name"]


@pytest.fixture
def filters_restored(gateway_client) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Removes the filter names the fuzzer adds."""
    with gateway_client(headers=TOKEN) as client:
        before = {kind: filter_names(client, kind) for kind in KINDS}
        yield
        for kind in KINDS:
            for name in filter_names(client, kind) - before[kind]:
                client.delete(f"/kmdb/filters/{kind}", params={"name": name})
            assert filter_names(client, kind) == before[kind]


def test_kmdb_answers_every_input_as_its_openapi_says(fuzz, filters_restored) -> None:  # type: ignore[no-untyped-def]
    fuzz("/kmdb/", headers=TOKEN).assert_clean()
