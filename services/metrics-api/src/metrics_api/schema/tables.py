"""The metric tables: their stored columns, the measures clients ask for, and how each is binned."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Aggregate = Literal["max", "min", "mean", "sum"]

# Rollup resolutions in seconds, finest first, each a multiple of the one before, and the span of
# one rollup partition for each: a few thousand to ten thousand rows per partition, so partitions
# stay bounded however long a series runs, and a query over years reads a handful of them
# (hourly rows by year, daily rows by decade, ten-day rows by century).
ROLLUP_LEVELS: tuple[int, ...] = (10, 30, 60, 600, 3600, 86_400, 864_000)
ROLLUP_PARTITION_SECONDS: dict[int, int] = {
    10: 86_400,
    30: 3 * 86_400,
    60: 7 * 86_400,
    600: 70 * 86_400,
    3600: 365 * 86_400,
    86_400: 3650 * 86_400,
    864_000: 36_500 * 86_400,
}

# The times a point may have, and a query may ask about (ms since the epoch, end exclusive):
# nothing outside is stored, so a range reaching beyond is refused rather than scanned.
TIME_MIN_MS = 0  # 1970-01-01T00:00:00Z
TIME_MAX_MS = 7_258_118_400_000  # 2200-01-01T00:00:00Z

CATALOG_TABLE = "metric_catalog"
DASHBOARDS_TABLE = "dashboards"
DASHBOARD_TYPES = ("time_series", "alert")  # the original's two kinds of dashboard


@dataclass(frozen=True)
class Measure:
    """A column a client can ask for, and how points of one bin combine into one value."""

    name: str
    aggregate: Aggregate
    integer: bool = False

    @property
    def rollup_columns(self) -> tuple[str, ...]:
        """The rollup table's columns that keep this measure's partial aggregate."""
        if self.aggregate in ("mean", "sum"):
            return (f"{self.name}_sum", f"{self.name}_n")
        return (f"{self.name}_{self.aggregate}",)


@dataclass(frozen=True)
class MetricTable:
    """One raw table of points and the rollup table precomputed from it."""

    name: str
    kind: str
    numeric: dict[str, str]
    other: dict[str, str]
    measures: dict[str, Measure]
    units: tuple[str, ...] = field(default=())

    @property
    def rollup(self) -> str:
        """The name of this table's rollup table."""
        return f"rollup_{self.kind}"

    @property
    def writable(self) -> dict[str, str]:
        """Every column a point may carry besides its key, with its CQL type."""
        return {**self.numeric, **self.other}

    def source_columns(self, measures: list[Measure]) -> list[str]:
        """The raw columns to read to compute these measures."""
        out: list[str] = []
        for measure in measures:
            names = (
                ["count", "previous_count"] if measure.name == "interval_count" else [measure.name]
            )
            out += [n for n in names if n not in out]
        return out


def _counter_measures() -> dict[str, Measure]:
    return {
        "count": Measure("count", "max", integer=True),
        "previous_count": Measure("previous_count", "max", integer=True),
        "interval_count": Measure("interval_count", "sum", integer=True),
    }


_TIMER_MAX = ("max", "median", "std_dev", "p75", "p95", "p98", "p99", "p999")
_RATES = ("one_min_rate", "five_min_rate", "fifteen_min_rate")

COUNTER = MetricTable(
    name="raw_counter_with_interval",
    kind="counter",
    numeric={"count": "bigint", "previous_count": "bigint"},
    other={"previous_metric_timestamp": "timestamp"},
    measures=_counter_measures(),
)

TIMER = MetricTable(
    name="raw_timer_with_interval",
    kind="timer",
    numeric={
        "count": "bigint",
        "previous_count": "bigint",
        "min": "double",
        "mean": "double",
        **{name: "double" for name in _TIMER_MAX},
        "mean_rate": "double",
        **{name: "double" for name in _RATES},
    },
    other={
        "previous_metric_timestamp": "timestamp",
        "rate_unit": "text",
        "duration_unit": "text",
    },
    measures={
        **_counter_measures(),
        "min": Measure("min", "min"),
        "mean": Measure("mean", "mean"),
        "mean_rate": Measure("mean_rate", "mean"),
        **{name: Measure(name, "max") for name in (*_TIMER_MAX, *_RATES)},
    },
    units=("duration_unit", "rate_unit"),
)

GAUGE = MetricTable(
    name="raw_gauge",
    kind="gauge",
    numeric={"value": "double"},
    other={},
    measures={"value": Measure("value", "mean")},
)

METRIC_TABLES: dict[str, MetricTable] = {t.name: t for t in (COUNTER, TIMER, GAUGE)}
ALL_TABLES: tuple[str, ...] = (
    *METRIC_TABLES,
    *(t.rollup for t in METRIC_TABLES.values()),
    CATALOG_TABLE,
    DASHBOARDS_TABLE,
)
