"""Admin routes: thin wrappers over the settings store and the notifier."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from meridian_kit.errors import error_responses
from meridian_kit.pryv_errors import PryvErrorBody

from config_leader.admin.schemas import (
    NOTIFY_BODY,
    SETTINGS_BODY,
    FollowersOut,
    HistoryOut,
    NotifyOut,
    NotifyRequest,
    RevisionOut,
    SettingsOut,
    notify_request,
    settings_changes,
)
from config_leader.deps import AdminDep, LeaderState, StateDep
from config_leader.followers.notify import notify_followers, select_followers
from config_leader.followers.status import followers_status
from config_leader.settings_store.history import Revision
from config_leader.settings_store.service import Snapshot

# Every admin route: no or a wrong admin key, no adminKey configured, the instance busy.
router = APIRouter(
    prefix="/admin",
    tags=["admin"],
    dependencies=[AdminDep],
    responses=error_responses(401, 403, 503, model=PryvErrorBody),
)
# Revision numbers as the history folder names them (six digits and more, never past 2^31).
RevisionNumber = Annotated[int, Path(ge=1, le=2**31 - 1, description="a revision number")]
# Routes with a body answer 400 for a refused one and 413 for one over the gateway's limit.
WITH_BODY = error_responses(400, 413, model=PryvErrorBody)


def _settings_body(revision: Revision | None, snapshot: Snapshot) -> dict[str, Any]:
    grouped = snapshot.groups is not None
    return {
        "revision": snapshot.revision,
        "changed": revision is not None,
        "changes": revision.changes if revision else {},
        "form": "grouped" if grouped else "flat",
        "settings": snapshot.groups if grouped else snapshot.settings,
    }


def _settings_with_validation(state: LeaderState) -> dict[str, Any]:
    body = _settings_body(None, state.store.snapshot())
    body["validation"] = state.renderer.check(state.store.variables()).as_json()
    return body


@router.get("/settings", response_model=SettingsOut, response_model_exclude_unset=True)
async def get_settings(state: StateDep) -> dict[str, Any]:
    """The platform variables as platform.yml gives them (flat or grouped), the revision, and
    what rendering every role with them gives (errors, and warnings for files served anyway)."""
    return await asyncio.to_thread(_settings_with_validation, state)


@router.put(
    "/settings",
    openapi_extra=SETTINGS_BODY,
    response_model=SettingsOut,
    response_model_exclude_unset=True,
    responses=WITH_BODY,
)
async def put_settings(
    state: StateDep,
    body: tuple[dict[str, Any], dict[str, str]] = Depends(settings_changes),
) -> dict[str, Any]:
    """Merges variables in (flat or grouped body); every role must render with them (else 400
    listing the errors)."""
    changes, groups = body
    revision, snapshot = await asyncio.to_thread(state.store.update, changes, groups)
    return _settings_body(revision, snapshot)


@router.get(
    "/settings/history",
    response_model=HistoryOut,
    response_model_exclude_unset=True,
    responses=error_responses(400, model=PryvErrorBody),
)
async def get_history(
    state: StateDep,
    limit: Annotated[int, Query(ge=1, le=1000, description="at most this many")] = 1000,
    after: Annotated[
        int, Query(ge=0, le=2**31 - 1, description="only revisions after this one")
    ] = 0,
) -> dict[str, Any]:
    """Revisions after `after`, oldest first: number, when, action and what changed."""
    revisions = await asyncio.to_thread(state.store.history.page, after=after, limit=limit)
    return {"revisions": [revision.summary() for revision in revisions]}


@router.get(
    "/settings/history/{rev}",
    response_model=RevisionOut,
    response_model_exclude_unset=True,
    responses=error_responses(400, 404, model=PryvErrorBody),
)
async def get_revision(state: StateDep, rev: RevisionNumber) -> dict[str, Any]:
    """One revision with the full set of variables it held."""
    revision = await asyncio.to_thread(state.store.revision, rev)
    return {**revision.summary(), "settings": revision.settings}


@router.post(
    "/settings/rollback/{rev}",
    response_model=SettingsOut,
    response_model_exclude_unset=True,
    responses=error_responses(400, 404, model=PryvErrorBody),
)
async def rollback_settings(state: StateDep, rev: RevisionNumber) -> dict[str, Any]:
    """Restores the variables of an earlier revision, recorded as a new revision."""
    revision, snapshot = await asyncio.to_thread(state.store.rollback, rev)
    return _settings_body(revision, snapshot)


@router.post(
    "/notify",
    openapi_extra=NOTIFY_BODY,
    response_model=NotifyOut,
    response_model_exclude_unset=True,
    responses=WITH_BODY,
)
async def notify(
    state: StateDep, request: NotifyRequest = Depends(notify_request)
) -> dict[str, Any]:
    """Makes every follower (or those of the given roles) fetch and apply now, concurrently."""
    followers = select_followers(state.config.followers, request.roles)
    return await notify_followers(
        state.http,
        followers,
        time_limit=state.config.notify.timeout_seconds,
        services=request.services,
    )


@router.get("/followers", response_model=FollowersOut, response_model_exclude_unset=True)
async def list_followers(state: StateDep) -> dict[str, Any]:
    """Each follower's state from its /status (revision applied, last fetch and apply), asked
    concurrently within notify's time limit; an unreachable one says why."""
    followers = await followers_status(
        state.http, state.config.followers, time_limit=state.config.notify.timeout_seconds
    )
    return {"followers": followers}
