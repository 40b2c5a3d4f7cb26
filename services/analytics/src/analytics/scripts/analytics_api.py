"""What the scripts ask an analytics (memex logging) API: messages, users, analytic results."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from analytics.scripts.http import Service
from analytics.scripts.options import EPOCH, FAR_FUTURE, ScriptError, as_utc, progress

PAGE = 10000  # the API's largest maxSize
ANALYTIC_WAIT_SECONDS = 300.0  # an analytic not computed by then: the worker is not running


def _iso(moment: datetime) -> str:
    # Always with its offset: some services refuse to compare a naive bound with an aware one.
    return as_utc(moment).isoformat()


def message_key(message: dict[str, Any]) -> tuple[str, str, str, str]:
    """What identifies a message (the trace id is derived from the same)."""
    return (
        str(message.get("userId")),
        str(message.get("messageId")),
        str(message.get("type")),
        str(message.get("timestamp")),
    )


class AnalyticsApi:
    """The memex logging API at INSTANCE, with APIKEY."""

    def __init__(self, instance: str, apikey: str) -> None:
        self.service = Service("analytics", instance, apikey)

    def close(self) -> None:
        """Closes the connections."""
        self.service.close()

    def messages(
        self, project: str, start: datetime, end: datetime, *, user_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Every message of a project in [start, end], oldest first.

        Pages by time as the seed did (the next page starts at the last timestamp seen) and
        drops the messages a page repeats; a page all at one timestamp cannot move on: an error,
        not a loop (a whole page of messages sent in the same millisecond).
        """
        out: list[dict[str, Any]] = []
        seen: set[tuple[str, str, str, str]] = set()
        cursor = as_utc(start)
        with progress(None, f"messages of {project}", "msg") as bar:
            while True:
                params = {"project": project, "fromTime": _iso(cursor), "toTime": _iso(end)}
                params["maxSize"] = str(PAGE)
                if user_id:
                    params["userId"] = user_id
                page = self.service.json("GET", "/messages", params=params)
                if not isinstance(page, list):
                    raise ScriptError("GET /messages did not answer a list of messages")
                fresh = [m for m in page if message_key(m) not in seen]
                seen.update(message_key(m) for m in fresh)
                out.extend(fresh)
                bar.update(len(fresh))
                if len(page) < PAGE:
                    return out
                if not fresh or order_key(page[-1]) == cursor:
                    raise ScriptError(
                        f"{PAGE} or more messages of {project} share the timestamp "
                        f"{_iso(cursor)}: they cannot be paged through GET /messages"
                    )
                cursor = order_key(page[-1])

    def has_messages(self, project: str, user_id: str) -> bool:
        """Whether a user ever exchanged a message in a project (an app's user, for the seed)."""
        params = {
            "project": project,
            "userId": user_id,
            "fromTime": _iso(EPOCH),
            "toTime": _iso(FAR_FUTURE),
            "maxSize": "1",
        }
        return bool(self.service.json("GET", "/messages", params=params))

    def users(self, project: str, start: datetime, end: datetime) -> list[str]:
        """The ids of the users with a message in the project in [start, end], sorted."""
        return sorted({str(m["userId"]) for m in self.messages(project, start, end)})

    def analytic_result(self, descriptor: dict[str, Any]) -> dict[str, Any]:
        """Creates an analytic, has it computed, waits for its result and deletes it."""
        created = self.service.json("POST", "/analytic", json=descriptor)
        analytic_id = created["id"]
        deadline = time.monotonic() + ANALYTIC_WAIT_SECONDS
        try:
            self._queue(analytic_id, deadline)
            while True:
                found = self.service.json("GET", "/analytic", params={"id": analytic_id})
                if found.get("result") is not None:
                    return dict(found["result"])
                if time.monotonic() > deadline:
                    raise ScriptError(
                        f"analytic {analytic_id} ({descriptor['dimension']}/{descriptor['metric']})"
                        f" not computed after {ANALYTIC_WAIT_SECONDS:.0f} s: is a worker running?"
                    )
                time.sleep(0.5)
        finally:
            self.service.request(
                "DELETE", "/analytic", params={"id": analytic_id}, ok=(200, 204, 404)
            )

    def _queue(self, analytic_id: str, deadline: float) -> None:
        """POST /analytic/compute, waiting out a rate limit (429 + Retry-After) until the deadline."""
        while True:
            response = self.service.request(
                "POST", "/analytic/compute", params={"id": analytic_id}, ok=(200, 201, 202, 429)
            )
            if response.status_code != 429:
                return
            wait = _seconds(response.headers.get("Retry-After"))
            if time.monotonic() + wait > deadline:
                raise ScriptError("the analytics kept refusing to compute (429: rate limited)")
            time.sleep(wait)


def _seconds(retry_after: str | None) -> float:
    try:
        return max(1.0, float(retry_after or 5))
    except ValueError:
        return 5.0


def count_of(result: dict[str, Any]) -> int:
    """The number a count result holds (`{"count": n}`, the original's shape)."""
    if "count" not in result:
        raise ScriptError(f"a count analytic answered no count: {result}")
    return int(result["count"])


def segments_of(result: dict[str, Any]) -> dict[str, int]:
    """type → count of a segmentation result (`{"segments": [{"type", "count"}]}`)."""
    segments = result.get("segments")
    if not isinstance(segments, list):
        raise ScriptError(f"a segmentation analytic answered no segments: {result}")
    return {str(s["type"]): int(s["count"]) for s in segments}


def order_key(message: dict[str, Any]) -> datetime:
    """A message's moment, for ordering (naive timestamps are UTC)."""
    return as_utc(datetime.fromisoformat(str(message["timestamp"])))
