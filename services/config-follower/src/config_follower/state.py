"""What config-follower's lifespan builds once per process, typed: the kit carries it
(meridian_kit.app.state_dependency), routes get its parts as dependencies."""

from __future__ import annotations

from dataclasses import dataclass

from config_follower.settings import Settings
from config_follower.sync.service import Follower


@dataclass(frozen=True)
class FollowerState:
    """The settings and the follower (its config, its leader client, its status)."""

    settings: Settings
    follower: Follower
