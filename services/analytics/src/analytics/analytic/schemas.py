"""The answers of /analytic (descriptors themselves are in descriptors.py)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class CreatedAnalytic(BaseModel):
    """POST /analytic's answer."""

    id: str


class CreatedAnalyticV1(BaseModel):
    """POST /analytic's answer to a 1.x descriptor (`type: analytic`) or under /v1."""

    staticId: str


class Analytic(BaseModel):
    """An analytic: its descriptor (v2 form) and its latest result (null until computed)."""

    id: str
    descriptor: dict[str, Any]
    result: dict[str, Any] | None


class AnalyticV1(BaseModel):
    """An analytic read by `staticId` (or under /v1): 1.x's names for id and descriptor."""

    staticId: str
    query: dict[str, Any]
    result: dict[str, Any] | None


class AnalyticList(BaseModel):
    """GET /analytic/list's answer: a page of analytics, newest first."""

    total: int = Field(description="how many analytics match in all")
    offset: int
    limit: int
    analytics: list[Analytic]


class Empty(BaseModel):
    """`{}`: the original's answer to compute and delete (what was done is not said)."""

    model_config = ConfigDict(extra="forbid")
