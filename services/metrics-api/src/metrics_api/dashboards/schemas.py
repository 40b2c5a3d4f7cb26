"""Dashboards' bodies and answers, in the original's shapes."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from metrics_api.schema.tables import DASHBOARD_TYPES

Name = Annotated[str, Field(min_length=1, max_length=200)]


class DashboardIn(BaseModel):
    """A new dashboard."""

    name: Name
    type: Annotated[
        str,
        Field(
            description="time_series or alert", json_schema_extra={"enum": list(DASHBOARD_TYPES)}
        ),
    ]
    data: dict[str, Any]


class DashboardData(BaseModel):
    """A dashboard's new content: any JSON value but null, as the original took."""

    data: Any = None


class Dashboard(BaseModel):
    """A saved dashboard."""

    type: str
    name: str
    data: Any


class DashboardList(BaseModel):
    """Dashboards."""

    dashboards: list[Dashboard]


class OneDashboard(BaseModel):
    """One dashboard."""

    dashboard: Dashboard


class Success(BaseModel):
    """The change was made."""

    success: bool
