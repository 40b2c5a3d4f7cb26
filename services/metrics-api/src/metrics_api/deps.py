"""Route dependencies as Annotated aliases: the settings and the series store of this app."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from metrics_api.series.store import SeriesStore
from metrics_api.settings import Settings


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
