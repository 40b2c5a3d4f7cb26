"""ingest's OpenAPI holds under fuzzing: as the admin, and with a bucket's keys."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

ADMIN = {"Authorization": f"Bearer {os.environ.get('INGEST_ADMIN_TOKEN', '')}"}
API = "/ingest/api/admin"


def ids(client: httpx.Client, kind: str) -> set[str]:
    """The ids of every bucket or user the admin API lists now, page by page."""
    found: set[str] = set()
    while True:
        params = {"offset": len(found), "limit": 1000}
        page = client.get(f"{API}/{kind}", params=params).raise_for_status().json()
        found |= {item["id"] for item in page}
        if len(page) < 1000:
            return found


@pytest.fixture
def bucket_keys(gateway_client) -> Iterator[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """A bucket of the run's own; what the fuzzer creates is deleted afterwards."""
    with gateway_client(headers=ADMIN) as client:
        before = {kind: ids(client, kind) for kind in ("buckets", "users")}
        bucket = client.post(f"{API}/buckets", json={"name": "fuzz"}).raise_for_status().json()
        yield bucket
        for kind, existed in before.items():
            for new in ids(client, kind) - existed:
                client.delete(f"{API}/{kind}/{new}").raise_for_status()


@pytest.mark.parametrize("who", ["admin", "keys"])
def test_ingest_answers_every_input_as_its_openapi_says(fuzz, bucket_keys, who) -> None:  # type: ignore[no-untyped-def]
    """As the admin (with a bucket's keys too, for push), then with the bucket's keys alone (the
    query and command routes then answer for that bucket only). Nothing is excluded: the only
    destructive routes (DELETE of a bucket, user or rule) reach nothing but random ids, and what
    the run creates is deleted by the fixture."""
    keys = {"X-KM-PUBLIC": bucket_keys["public_key"], "X-KM-SECRET": bucket_keys["secret_key"]}
    headers = {**ADMIN, **keys} if who == "admin" else keys
    fuzz("/ingest/", headers=headers).assert_clean()
