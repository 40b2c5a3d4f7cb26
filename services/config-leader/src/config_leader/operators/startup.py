"""At the leader's start: the operators' file and the first operator."""

from __future__ import annotations

import logging

from config_leader.leader_config.model import LeaderConfig
from config_leader.operators.config import operators_config
from config_leader.operators.service import OperatorService
from config_leader.settings import Settings

log = logging.getLogger("config_leader.operators")

# Where operators' errors come in the original's shape.
ORIGINAL_ERROR_PREFIXES = ("/auth", "/users", "/admin/migrations")


async def start_operators(settings: Settings, config: LeaderConfig) -> OperatorService:
    """Opens the operators' file and creates the first operator if the environment names one."""
    service = OperatorService.open(operators_config(config.model_extra, settings.config))
    if settings.admin_user and settings.admin_password:
        created = await service.ensure_first(settings.admin_user, settings.admin_password)
        if created:
            log.info("created the first operator %r with every permission", settings.admin_user)
    return service
