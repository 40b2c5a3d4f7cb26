"""GET /admin/migrations and POST /admin/migrations/apply (the original's routes and answers)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from meridian_kit.errors import error_responses
from meridian_kit.pryv_errors import PryvErrorBody
from pydantic import BaseModel, Field

from config_leader.auth import admin_api_access
from config_leader.deps import LeaderState, StateDep
from config_leader.migrations.service import apply_migrations, list_migrations, template_path

router = APIRouter(
    prefix="/admin/migrations",
    tags=["admin"],
    dependencies=[Depends(admin_api_access)],
    # 409: no platform template configured, no TEMPLATE_VERSION, or no path to the target
    responses=error_responses(401, 403, 409, 503, model=PryvErrorBody),
)


class Migration(BaseModel):
    """One step: the versions it starts from and the version it brings."""

    versionsFrom: list[str]
    versionTo: str


class PendingOut(BaseModel):
    """The steps apply would run, in order; empty when the platform is at the template's."""

    migrations: list[Migration]
    platformVersion: str = Field(description="TEMPLATE_VERSION of platform.yml")
    targetVersion: str = Field(description="TEMPLATE_VERSION of the template")


class AppliedOut(BaseModel):
    """The steps run now (empty if none was pending), the revision they made, the version."""

    migrations: list[Migration]
    revision: int | None = Field(description="the new revision, null when nothing ran")
    version: str = Field(description="TEMPLATE_VERSION after applying")


def _template(state: LeaderState) -> Path | None:
    """The platform template named by config-leader.json, if any."""
    return template_path(state.config.model_extra, state.settings.config)


@router.get("", response_model=PendingOut)
async def get_migrations(request: Request, state: StateDep) -> dict[str, Any]:
    """The settings migrations pending from platform.yml's version to the template's
    (settings:read)."""
    return await asyncio.to_thread(list_migrations, state.store, _template(state))


@router.post(
    "/apply", response_model=AppliedOut, responses=error_responses(400, model=PryvErrorBody)
)
async def apply(request: Request, state: StateDep) -> dict[str, Any]:
    """Applies the pending migrations once, as one revision; every role must still render
    (else 400 listing the errors, nothing saved) (settings:update)."""
    return await asyncio.to_thread(apply_migrations, state.store, _template(state))
