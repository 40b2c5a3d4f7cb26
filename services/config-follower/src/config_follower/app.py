"""config-follower's app: syncs at start in the background, then on every notify."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI
from meridian_kit.app import create_service_app
from meridian_kit.pryv_errors import install_pryv_error_shape
from meridian_kit.settings import load_settings

from config_follower.follower_config import load_config
from config_follower.settings import Settings
from config_follower.state import FollowerState
from config_follower.sync.endpoints import router
from config_follower.sync.service import Follower


def create_app(settings: Settings | None = None) -> FastAPI:
    """Builds the config-follower app."""
    settings = settings or load_settings("config-follower", Settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[FollowerState]:
        # one INFO line per outgoing request would dominate the cost of a notify at scale
        logging.getLogger("httpx").setLevel(logging.WARNING)
        config = load_config(Path(settings.config))
        async with httpx.AsyncClient(timeout=config.fetch_timeout_seconds) as client:
            follower = Follower(config, client)

            async def synced() -> None:
                if not follower.status.synced_since_start:
                    raise RuntimeError("not synced with the leader since start")

            app.state.readiness.add("leader_sync", synced)
            task = asyncio.create_task(follower.sync_at_start())
            try:
                yield FollowerState(settings, follower)
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    app = create_service_app(
        "config-follower",
        description="Platform configuration follower: applies its role's files, runs hooks.",
        lifespan=lifespan,
        routers=[router],
    )
    install_pryv_error_shape(app, ("/notify",))  # as the original's {"error": {"message"}}
    return app
