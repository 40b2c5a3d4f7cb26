"""The catalog's answers, in the original's shapes."""

from __future__ import annotations

from pydantic import BaseModel


class MetricEntry(BaseModel):
    """A metric; every entry carries the units, as the original's (null but for timers)."""

    environment: str | None = None
    application: str | None = None
    metric_name: str
    table: str
    last_timestamp: str | None
    duration_unit: str | None = None
    rate_unit: str | None = None


class MetricsData(BaseModel):
    """Every metric."""

    metrics: list[MetricEntry]


class MetricsOut(BaseModel):
    """GET /api/v1/metrics."""

    data: MetricsData


class EnvironmentsData(BaseModel):
    """Every environment."""

    environments: list[str]


class EnvironmentsOut(BaseModel):
    """GET /api/v1/environments/."""

    data: EnvironmentsData


class ApplicationsData(BaseModel):
    """The applications of an environment."""

    environment: str
    applications: list[str]


class ApplicationsOut(BaseModel):
    """GET /api/v1/environments/{env}/applications."""

    data: ApplicationsData


class AppMetricsData(BaseModel):
    """The metrics of an application."""

    environment: str
    application: str
    metrics: list[MetricEntry]


class AppMetricsOut(BaseModel):
    """GET /api/v1/environments/{env}/applications/{app}/metrics."""

    data: AppMetricsData
