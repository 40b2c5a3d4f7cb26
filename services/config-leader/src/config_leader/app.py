"""config-leader's app: loads config-leader.json, records the first revision, serves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from fastapi import FastAPI
from meridian_kit.app import create_service_app
from meridian_kit.pryv_errors import install_pryv_error_shape
from meridian_kit.settings import load_settings

from config_leader.admin.endpoints import router as admin_router
from config_leader.conf.endpoints import router as conf_router
from config_leader.cors import ConfiguredCors
from config_leader.leader_config.loading import load_config
from config_leader.migrations.endpoints import router as migrations_router
from config_leader.operators.endpoints import auth_router, users_router
from config_leader.operators.startup import ORIGINAL_ERROR_PREFIXES, start_operators
from config_leader.rendering.service import RoleRenderer
from config_leader.settings import Settings
from config_leader.settings_store.service import SettingsStore
from config_leader.state import LeaderState

# The leader-provided variable holding the public key of operators' tokens (one line). Env
# templates write `MERIDIAN_OPERATOR_PUBLIC_KEY=OPERATOR_PUBLIC_KEY`: the names differ, so the
# whole-identifier rule replaces the right side only.
OPERATOR_PUBLIC_KEY = "OPERATOR_PUBLIC_KEY"


async def build_state(settings: Settings, http: aiohttp.ClientSession) -> LeaderState:
    """Loads the config (generating pending secrets), the variables store and the operators."""
    config = load_config(settings.config)
    store = SettingsStore(
        platform_path=config.platform_path,
        history_folder=config.history_path,
        data_folder=config.data_folder,
        internals=config.internals,
    )
    store.record_initial()
    operators = await start_operators(settings, config)
    # leader-provided, like an internal: templates use it to give every service the key that
    # checks operators' tokens (the follower writes it in each service's env file)
    store.internals[OPERATOR_PUBLIC_KEY] = operators.signer.public_key_line
    return LeaderState(settings, config, store, RoleRenderer(config.data_folder), http, operators)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Builds the config-leader app."""
    settings = settings or load_settings("config-leader", Settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[LeaderState]:
        # aiohttp, not httpx: httpx's pool scans every connection for each request, which made
        # the leader's CPU per notify grow with the square of the number of followers
        connector = aiohttp.TCPConnector(limit=0, limit_per_host=0)
        async with aiohttp.ClientSession(connector=connector) as http:
            state = await build_state(settings, http)

            async def variables_readable() -> None:
                state.store.snapshot()

            app.state.readiness.add("platform", variables_readable)
            yield state

    app = create_service_app(
        "config-leader",
        description="Platform configuration leader: variables, role templates, notify.",
        lifespan=lifespan,
        routers=[conf_router, admin_router, migrations_router, auth_router, users_router],
    )
    # the followers' and the settings routes answer errors in the original's shape too
    install_pryv_error_shape(app, (*ORIGINAL_ERROR_PREFIXES, "/conf", "/admin"))
    app.add_middleware(ConfiguredCors)  # cors.origins of config-leader.json
    return app
