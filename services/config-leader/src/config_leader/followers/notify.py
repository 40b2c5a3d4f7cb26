"""POST /notify to every follower at once, each with a timeout; collect successes and failures."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Collection, Mapping
from typing import Any

import aiohttp
from asgi_correlation_id import correlation_id
from meridian_kit.errors import BadRequest

from config_leader.leader_config.model import FollowerEntry

log = logging.getLogger("config_leader.notify")


def select_followers(
    followers: Mapping[str, FollowerEntry], roles: Collection[str] | None
) -> dict[str, FollowerEntry]:
    """The followers of the given roles (all when None); an unknown role is a 400."""
    if roles is None:
        return dict(followers)
    known = {entry.role for entry in followers.values()}
    unknown = sorted(set(roles) - known)
    if unknown:
        raise BadRequest(
            "unknown roles: " + ", ".join(unknown),
            detail={"unknown": unknown, "known": sorted(known)},
        )
    return {key: entry for key, entry in followers.items() if entry.role in set(roles)}


def _error_of(status: int, text: str) -> str:
    try:
        body = json.loads(text)
    except ValueError:
        return f"HTTP {status}: {text[:200]}"
    message = body.get("error") if isinstance(body, dict) else None
    if isinstance(message, dict):  # the original's shape: {"error": {"message": ...}}
        message = message.get("message")
    return f"HTTP {status}: {message or str(body)[:200]}"


async def notify_one(
    client: aiohttp.ClientSession,
    key: str,
    entry: FollowerEntry,
    time_limit: float,
    services: list[str] | None = None,
) -> tuple[bool, dict[str, Any]]:
    """Calls one follower's /notify with `{"services": [...]}` as the original does (`{}` when
    none are named); (True, its report) or (False, the error)."""
    where = {"url": entry.url, "role": entry.role}
    headers = {"Authorization": key}
    request_id = correlation_id.get()
    if request_id:
        headers["X-Request-ID"] = request_id  # one id across the leader's and followers' logs
    try:
        async with client.post(
            f"{entry.url}/notify",
            headers=headers,
            json={} if services is None else {"services": services},
            timeout=aiohttp.ClientTimeout(total=time_limit),
        ) as response:
            status, text = response.status, await response.text()
    except TimeoutError:
        return False, {**where, "error": f"no answer within {time_limit:g}s"}
    except aiohttp.ClientConnectorError as exc:
        return False, {**where, "error": f"cannot connect: {exc.os_error}"}
    except aiohttp.ClientError as exc:
        return False, {
            **where,
            "error": f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__,
        }
    if status >= 300:
        return False, {**where, "status": status, "error": _error_of(status, text)}
    try:
        report = json.loads(text)
    except ValueError:
        return False, {**where, "status": status, "error": "answer is not JSON"}
    if not isinstance(report, dict):
        report = {"answer": report}
    return True, {**where, **report}


async def notify_followers(
    client: aiohttp.ClientSession,
    followers: Mapping[str, FollowerEntry],
    *,
    time_limit: float,
    services: list[str] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Notifies every follower concurrently; {"successes": [...], "failures": [...]}."""
    results = await asyncio.gather(
        *(notify_one(client, key, entry, time_limit, services) for key, entry in followers.items())
    )
    successes = [report for ok, report in results if ok]
    failures = [report for ok, report in results if not ok]
    log.info(
        "notified followers",
        extra={"successes": len(successes), "failures": [f["url"] for f in failures]},
    )
    return {"successes": successes, "failures": failures}
