"""The data endpoints' answer, in the original's shape plus `binning`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class BinningOut(BaseModel):
    """Which bins the rows are: `width_seconds` wide from `origin`; rule "original" is the
    original's span // size from midnight UTC of the first point's day, "rollup" a width rounded
    up to a rollup step from the epoch (when the original's is not exact at a bounded cost)."""

    width_seconds: int
    origin: str
    rule: Literal["original", "rollup"]


class SeriesData(BaseModel):
    """A series' rows: [iso_time, value per column ...], null where there is no value;
    `binning` null when the rows are the raw points."""

    environment: str
    application: str
    table: str
    metric: str
    rows: list[list[str | float | int | None]]
    binning: BinningOut | None = None


class SeriesOut(BaseModel):
    """The data endpoints' answer."""

    data: SeriesData
