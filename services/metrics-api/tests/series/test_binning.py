"""Binning without Cassandra: widths, rollup choice, and bins equal to pandas on awkward data."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from metrics_api.schema.tables import COUNTER, TIMER
from metrics_api.series.binning import bin_width, finish, merge, raw_partials, rollup_level
from metrics_api.series.original_width import exact_is_cheap, original_width
from metrics_api.series.service import exact_level, json_rows

from .reference import assert_same_rows, reference_rows

UTC = dt.UTC


@pytest.mark.parametrize(
    ("span", "size", "width", "level"),
    [
        (86_400, 1000, 90, 30),  # one day: 960 bins from the 30 s rollup
        (30 * 86_400, 1000, 3000, 600),  # thirty days: 864 bins from the 10 min rollup
        (3600, 1000, 4, None),  # one hour: 900 bins of raw points
        (7 * 86_400, 1200, 540, 60),
        (600, 1000, 1, None),
        (365 * 86_400, 1000, 32_400, 3600),
    ],
)
def test_width_is_a_step_multiple_and_never_more_bins_than_size(span, size, width, level):
    assert bin_width(span, size) == width
    assert rollup_level(width) == level
    assert span / width <= size


def test_every_width_keeps_at_least_two_thirds_of_the_bins():
    for span in range(1000, 40_000_000, 7919):
        width = bin_width(span, 1000)
        assert span / width > 1000 * 2 / 3 - 1
        level = rollup_level(width)
        assert level is None or width % level == 0


def generated(seed: int, seconds: int, start: dt.datetime) -> list[dict[str, object]]:
    """Timer points every second with random gaps, a long hole, NaN-free values and counter resets."""
    rng = np.random.default_rng(seed)
    points, count = [], 0
    for i in range(seconds):
        if rng.random() < 0.15 or 1200 <= i < 2400:
            continue
        previous = count
        count = count + int(rng.integers(0, 50))
        if rng.random() < 0.002:  # the process restarted: the counter begins again
            count = int(rng.integers(0, 10))
        points.append(
            {
                "metric_timestamp": start
                + dt.timedelta(seconds=i, milliseconds=int(rng.integers(0, 999))),
                "count": count,
                "previous_count": previous,
                "min": float(rng.normal(10, 3)),
                "mean": float(rng.normal(50, 10)),
                "max": float(rng.normal(90, 20)),
                "p99": float(rng.normal(95, 20)),
                "mean_rate": float(rng.random()),
            }
        )
    return points


def test_raw_binning_equals_pandas_on_gaps_and_counter_resets():
    start = dt.datetime(2024, 3, 1, 23, 17, 3, tzinfo=UTC)
    points = generated(7, 7200, start)
    columns = [
        "count",
        "previous_count",
        "interval_count",
        "min",
        "mean",
        "max",
        "p99",
        "mean_rate",
    ]
    measures = [TIMER.measures[c] for c in columns]
    ts = np.array([int(p["metric_timestamp"].timestamp() * 1000) for p in points], dtype=np.int64)  # type: ignore[attr-defined]
    raw = {c: np.array([p[c] for p in points], dtype=float) for c in TIMER.source_columns(measures)}
    for width in (7, 60, 90, 600):
        merged = merge(raw_partials(ts, raw, measures), width * 1000)
        got = json_rows(*finish(merged, measures, width * 1000), measures)
        want = reference_rows(points, columns, start, start + dt.timedelta(hours=3), width)
        assert_same_rows(got, want, rel=1e-12)


def test_an_interval_after_a_reset_is_the_new_count():
    measures = [COUNTER.measures["interval_count"]]
    ts = np.array([0, 1000, 2000], dtype=np.int64)
    raw = {"count": np.array([100.0, 3.0, 10.0]), "previous_count": np.array([90.0, 100.0, 3.0])}
    merged = merge(raw_partials(ts, raw, measures), 10_000)
    assert finish(merged, measures, 10_000)[1][0].tolist() == [10 + 3 + 7]


@pytest.mark.parametrize(
    ("span", "points", "size", "cheap"),
    [
        (86_400, 8_640, 1000, True),  # a day of 10 s points: the 86 s bins from raw points
        (86_400, 86_400, 1000, False),  # a day of 1 s points: too many raw points for 86 s
        (2 * 86_400, 100_000, 288, True),  # 600 s bins: 290 rows of the 10 min rollups
        (3 * 365 * 86_400, 597, 300, False),  # 315,360 s: 1 min rows, but from 157 partitions
        (3 * 365 * 86_400, 597, 219, True),  # 5 days: daily rows from one or two partitions
        (60 * 86_400, 500, 1000, False),  # 5,184 s divides no level: 62 raw day partitions
    ],
)
def test_the_originals_width_is_used_when_cheap(span, points, size, cheap):
    width = original_width(span * 1000, size)
    level = exact_level(width)
    assert exact_is_cheap(span * 1000, points, level, size) is cheap
