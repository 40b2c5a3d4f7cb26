"""Reading error bodies of the leader and the follower."""

from __future__ import annotations

import httpx


def message_of(response: httpx.Response) -> str:
    """An error's message: the original's `{"error": {"message"}}` or the kit's `{"error"}`."""
    error = response.json()["error"]
    return str(error["message"] if isinstance(error, dict) else error)
