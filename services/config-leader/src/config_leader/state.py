"""What config-leader's lifespan builds once per process, typed: the kit carries it
(meridian_kit.app.state_dependency), routes get it through config_leader.deps.StateDep."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp

from config_leader.leader_config.model import LeaderConfig
from config_leader.operators.service import OperatorService
from config_leader.rendering.service import RoleRenderer
from config_leader.settings import Settings
from config_leader.settings_store.service import SettingsStore


@dataclass
class LeaderState:
    """The settings, the loaded config, the variables store, the renderer, the client that calls
    the followers, and the operators' service."""

    settings: Settings
    config: LeaderConfig
    store: SettingsStore
    renderer: RoleRenderer
    http: aiohttp.ClientSession
    operators: OperatorService
