"""Reading error bodies of the leader and the follower."""

from __future__ import annotations

from typing import Any

import httpx


def message_of(response: httpx.Response) -> str:
    """An error's message: the original's `{"error": {"message"}}` or the kit's `{"error"}`."""
    error = response.json()["error"]
    return str(error["message"] if isinstance(error, dict) else error)


def detail_of(response: httpx.Response) -> Any:
    """An error's detail: inside `error` in the original's shape, beside it in the kit's."""
    body = response.json()
    error = body["error"]
    return error.get("detail") if isinstance(error, dict) else body.get("detail")
