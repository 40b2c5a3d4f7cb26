"""GET each follower's /status at once, each with a time limit: the followers' state in one answer."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

import aiohttp

from config_leader.leader_config.model import FollowerEntry

# What the console shows of a follower's /status (its file list can be long: counted instead).
KEPT = ("revision", "lastFetch", "lastApply", "syncedSinceStart")


async def status_one(
    client: aiohttp.ClientSession, entry: FollowerEntry, time_limit: float
) -> dict[str, Any]:
    """One follower's status, or why it could not be had (`reachable` false, `error`)."""
    where: dict[str, Any] = {"url": entry.url, "role": entry.role}
    try:
        async with client.get(
            f"{entry.url}/status", timeout=aiohttp.ClientTimeout(total=time_limit)
        ) as response:
            status, text = response.status, await response.text()
    except TimeoutError:
        return {**where, "reachable": False, "error": f"no answer within {time_limit:g}s"}
    except aiohttp.ClientConnectorError as exc:
        return {**where, "reachable": False, "error": f"cannot connect: {exc.os_error}"}
    except aiohttp.ClientError as exc:
        return {**where, "reachable": False, "error": f"{type(exc).__name__}: {exc}"}
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if status >= 300 or not isinstance(body, dict):
        return {**where, "reachable": False, "error": f"HTTP {status}: {text[:200]}"}
    kept = {name: body[name] for name in KEPT if name in body}
    files = body.get("files")
    return {
        **where,
        "reachable": True,
        **kept,
        "files": len(files) if isinstance(files, list) else 0,
    }


async def followers_status(
    client: aiohttp.ClientSession, followers: Mapping[str, FollowerEntry], *, time_limit: float
) -> list[dict[str, Any]]:
    """Every configured follower's status, concurrently, in the config's order (keys left out)."""
    return list(
        await asyncio.gather(*(status_one(client, e, time_limit) for e in followers.values()))
    )
