"""Route dependencies as Annotated aliases: the settings, each domain's store, the caller's access."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials
from meridian_kit.app import state_dependency
from meridian_kit.auth import bearer_security

from metrics_api.access.tokens import Access, check_access
from metrics_api.catalog.store import CatalogStore
from metrics_api.dashboards.store import DashboardStore
from metrics_api.series.store import SeriesStore
from metrics_api.settings import Settings
from metrics_api.state import State

# Declares the bearer scheme in the OpenAPI; check_access does the checking (401 in our shape).
bearer = bearer_security(
    "METRICS_API_READ_TOKEN (reads), METRICS_API_WRITE_TOKEN (reads and writes), or a signed-in"
    " operator's token (reads; writes need the leader's metrics:update)"
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]


StateDep = Annotated[State, Depends(state_dependency(State))]  # what the lifespan built


def get_settings(state: StateDep) -> Settings:
    """The app's settings."""
    return state.settings


def get_series(state: StateDep) -> SeriesStore:
    """The raw points and rollups."""
    return state.series


def get_catalog(state: StateDep) -> CatalogStore:
    """The metric catalog."""
    return state.catalog


def get_dashboards(state: StateDep) -> DashboardStore:
    """The saved dashboards."""
    return state.dashboards


SettingsDep = Annotated[Settings, Depends(get_settings)]
SeriesDep = Annotated[SeriesStore, Depends(get_series)]
CatalogDep = Annotated[CatalogStore, Depends(get_catalog)]
DashboardsDep = Annotated[DashboardStore, Depends(get_dashboards)]


def require_read(request: Request, settings: SettingsDep, _: Credentials) -> Access:
    """The read or the write token."""
    return check_access(request, settings, Access.READ)


def require_write(request: Request, settings: SettingsDep, _: Credentials) -> Access:
    """The write token."""
    return check_access(request, settings, Access.WRITE)


READ = [Depends(require_read)]
WRITE = [Depends(require_write)]
