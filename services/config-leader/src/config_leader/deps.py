"""Route dependencies: the leader's state, the calling follower, the admin check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import aiohttp
from fastapi import Depends, Request
from meridian_kit.auth import presented_key
from meridian_kit.errors import Unauthorized

from config_leader.auth import admin_api_access, find_by_key
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


FollowerDep = Annotated[FollowerEntry, Depends(calling_follower)]
AdminDep = Depends(admin_api_access)  # the admin key, or an operator with the permission
