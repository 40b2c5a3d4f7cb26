"""config-follower's app."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from meridian_kit.app import create_service_app
from meridian_kit.settings import load_settings

from config_follower.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """Builds the config-follower app."""
    settings = settings or load_settings("config-follower", Settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings

        async def config_readable() -> None:
            await asyncio.to_thread(settings.config.read_bytes)

        app.state.readiness.add("config", config_readable)
        yield

    return create_service_app(
        "config-follower", description="Platform configuration follower.", lifespan=lifespan
    )
