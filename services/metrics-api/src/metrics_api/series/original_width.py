"""The original's bins, when they can be computed exactly at a bounded cost.

metrics_server resampled with pandas `resample(f"{span // size}S")`: bins `span // size` whole
seconds wide (span = end - start of the request), aligned to midnight UTC of the first point's day
(pandas' anchoring of second-based frequencies), labelled with their start. Those bins are exact
from raw points, or from rows of a rollup level that divides the width (every level up to a day
divides a day, so its rows also lie wholly inside bins that start at a midnight). We use them when
the rows to read for that are at most `exact_read_limit(size)`, from at most EXACT_PARTITIONS_MAX
partitions; otherwise the rounded width of binning.bin_width (epoch-aligned, from coarser rollups)
answers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from metrics_api.schema.tables import ROLLUP_PARTITION_SECONDS

DAY_S = 86_400
DAY_MS = DAY_S * 1000
# The rows read for the original's width are at most this many per bin asked for ...
EXACT_READ_FACTOR = 20
# ... and never more than this many in all.
EXACT_READ_MAX = 50_000
# ... from at most this many partitions (a raw one is a day): a month of raw points qualifies.
EXACT_PARTITIONS_MAX = 40


@dataclass(frozen=True)
class Binning:
    """Which bins answered: width in seconds, first bin's start (ms), and by which rule."""

    width_s: int
    origin_ms: int
    rule: str  # "original" (span // size, from midnight) or "rollup" (rounded up, from the epoch)


def original_width(span_ms: int, size: int) -> int:
    """The original's width in whole seconds (0 when the span is under `size` seconds)."""
    return span_ms // (1000 * size)


def exact_read_limit(size: int) -> int:
    """The most rows read to give the original's width exactly."""
    return min(EXACT_READ_FACTOR * size, EXACT_READ_MAX)


def rows_to_read(span_ms: int, points: int, level: int | None) -> int:
    """About how many rows give the bins: the raw points, or rows of `level` (at most one per
    point, and at most the span in rows plus one at each edge)."""
    if level is None:
        return points
    return min(points, span_ms // (level * 1000) + 2)


def partitions_to_read(span_ms: int, level: int | None) -> int:
    """How many partitions the range touches at `level` (None: raw points, a day each)."""
    size_ms = (DAY_S if level is None else ROLLUP_PARTITION_SECONDS[level]) * 1000
    return span_ms // size_ms + 2


def exact_is_cheap(span_ms: int, points: int, level: int | None, size: int) -> bool:
    """Whether the original's bins cost little enough: few rows from few partitions."""
    return (
        rows_to_read(span_ms, points, level) <= exact_read_limit(size)
        and partitions_to_read(span_ms, level) <= EXACT_PARTITIONS_MAX
    )


def fine_width_ms(width_s: int) -> int:
    """The finest bins that nest both in the original's bins and in a day: the rows are merged at
    this width before the first point's midnight is known."""
    return math.gcd(width_s, DAY_S) * 1000


def midnight_of(ms: int) -> int:
    """Midnight UTC of the day a time (ms) falls on."""
    return ms // DAY_MS * DAY_MS
