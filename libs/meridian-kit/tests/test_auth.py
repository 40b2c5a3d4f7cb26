"""Where a request carries its key, and comparing keys."""

from __future__ import annotations

from meridian_kit.auth import keys_equal, presented_key
from starlette.requests import Request


def request(headers: dict[str, str] | None = None, query: str = "") -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    return Request({"type": "http", "headers": raw, "query_string": query.encode()})


def test_keys_equal_only_for_the_same_key() -> None:
    assert keys_equal("s3cr€t", "s3cr€t")
    assert not keys_equal("s3cr€t", "s3cret")
    assert not keys_equal("", "s3cret")


def test_the_header_wins_over_the_query_and_nothing_is_none() -> None:
    assert presented_key(request({"Authorization": "h"}, "auth=q")) == "h"
    assert presented_key(request(query="auth=q")) == "q"
    assert presented_key(request()) is None
    assert presented_key(request({"Authorization": ""}, "auth=")) is None
