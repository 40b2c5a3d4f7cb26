"""Route dependencies: the leader's state, the calling follower, the admin check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import aiohttp
from fastapi import Depends, Request
from meridian_kit.auth import keys_equal, presented_key
from meridian_kit.errors import Forbidden, Unauthorized

from config_leader.auth import find_by_key
from config_leader.leader_config.model import FollowerEntry, LeaderConfig
from config_leader.rendering.service import RoleRenderer
from config_leader.settings_store.service import SettingsStore


@dataclass
class LeaderState:
    """What the lifespan builds once: the config, the variables store, the renderer, a client."""

    config: LeaderConfig
    store: SettingsStore
    renderer: RoleRenderer
    http: aiohttp.ClientSession


def get_state(request: Request) -> LeaderState:
    """The leader's state built by the lifespan."""
    state: LeaderState = request.app.state.leader
    return state


StateDep = Annotated[LeaderState, Depends(get_state)]


def calling_follower(request: Request, state: StateDep) -> FollowerEntry:
    """The follower whose key the request carries; 401 for a missing or unknown key."""
    follower = find_by_key(presented_key(request), state.config.followers)
    if follower is None:
        raise Unauthorized("unknown follower key (Authorization header or ?auth=)")
    return follower


def require_admin(request: Request, state: StateDep) -> None:
    """Admin calls need adminKey; with none configured the admin API is off (403)."""
    admin_key = state.config.admin_key
    if admin_key is None:
        raise Forbidden("admin API disabled: no adminKey in config-leader.json")
    presented = presented_key(request)
    if presented is None or not keys_equal(presented, admin_key):
        raise Unauthorized("admin key required (Authorization header or ?auth=)")


FollowerDep = Annotated[FollowerEntry, Depends(calling_follower)]
AdminDep = Depends(require_admin)
