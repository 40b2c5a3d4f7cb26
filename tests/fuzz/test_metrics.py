"""metrics-api's OpenAPI holds under fuzzing, with the write token (it grants reads too).

Nothing is excluded. The fuzzer saves dashboards with random names into the suite's keyspace, where
an operator's dashboard picker would list them: the fixture deletes every dashboard the run added.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest

TOKEN = {"Authorization": f"Bearer {os.environ.get('METRICS_API_WRITE_TOKEN', '')}"}
DASHBOARDS = "/metrics/api/v1/dashboards"


def dashboards(client: httpx.Client) -> set[tuple[str, str]]:
    """Every saved dashboard as (type, name)."""
    found = client.get(DASHBOARDS).raise_for_status().json()["dashboards"]
    return {(board["type"], board["name"]) for board in found}


@pytest.fixture
def dashboards_restored(gateway_client) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Deletes the dashboards the fuzzer saves."""
    with gateway_client(headers=TOKEN) as client:
        before = dashboards(client)
        yield
        for kind, name in dashboards(client) - before:
            client.delete(f"{DASHBOARDS}/{quote(kind, safe='')}/{quote(name, safe='')}")
        assert dashboards(client) == before


def test_metrics_answers_every_input_as_its_openapi_says(fuzz, dashboards_restored) -> None:  # type: ignore[no-untyped-def]
    fuzz("/metrics/", headers=TOKEN).assert_clean()
