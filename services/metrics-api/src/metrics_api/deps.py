"""Route dependencies as Annotated aliases: the settings, the series store, the caller's access."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials
from meridian_kit.auth import bearer_security

from metrics_api.access.tokens import Access, check_access
from metrics_api.series.store import SeriesStore
from metrics_api.settings import Settings

# Declares the bearer scheme in the OpenAPI; check_access does the checking (401 in our shape).
bearer = bearer_security(
    "METRICS_API_READ_TOKEN (reads) or METRICS_API_WRITE_TOKEN (reads and writes)"
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


def get_store(request: Request) -> SeriesStore:
    """The series store over the app's Cassandra session."""
    store: SeriesStore = request.app.state.store
    return store


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[SeriesStore, Depends(get_store)]


def require_read(request: Request, settings: SettingsDep, _: Credentials) -> Access:
    """The read or the write token."""
    return check_access(request, settings, Access.READ)


def require_write(request: Request, settings: SettingsDep, _: Credentials) -> Access:
    """The write token."""
    return check_access(request, settings, Access.WRITE)


READ = [Depends(require_read)]
WRITE = [Depends(require_write)]
