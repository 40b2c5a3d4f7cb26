"""Route dependencies: the leader's state, the calling follower, the admin check."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from meridian_kit.app import state_dependency
from meridian_kit.auth import presented_key
from meridian_kit.errors import Unauthorized

from config_leader.auth import admin_api_access, find_by_key
from config_leader.leader_config.model import FollowerEntry
from config_leader.state import LeaderState

__all__ = ["AdminDep", "FollowerDep", "LeaderState", "StateDep"]

StateDep = Annotated[LeaderState, Depends(state_dependency(LeaderState))]  # what the lifespan built


def calling_follower(request: Request, state: StateDep) -> FollowerEntry:
    """The follower whose key the request carries; 401 for a missing or unknown key."""
    follower = find_by_key(presented_key(request), state.config.followers)
    if follower is None:
        raise Unauthorized("unknown follower key (Authorization header or ?auth=)")
    return follower


FollowerDep = Annotated[FollowerEntry, Depends(calling_follower)]
AdminDep = Depends(admin_api_access)  # the admin key, or an operator with the permission
