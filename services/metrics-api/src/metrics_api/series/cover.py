"""Which stored rows answer a range: the coarsest rollup level for the middle, finer ones at the edges.

A range [start, stop) is covered by whole rows of the coarsest usable level where they fit, and its
unaligned edges (less than one such row each) by the next finer level, down to raw points for the
last few seconds. Rows read are bounded by span/level plus a few per level at each edge, never by
the raw points in the range; and a bin computed from them equals binning the raw points, since every
level divides the bin width.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from metrics_api.schema.tables import Measure
from metrics_api.series.binning import Partials, merge

# (level in seconds, or None for raw points; start ms; end ms exclusive)
Piece = tuple[int | None, int, int]


def cover(start_ms: int, stop_ms: int, levels: tuple[int, ...]) -> list[Piece]:
    """[start_ms, stop_ms) as whole rows of the coarsest of `levels` (finest first), edges finer."""
    if start_ms >= stop_ms:
        return []
    if not levels:
        return [(None, start_ms, stop_ms)]
    step = levels[-1] * 1000
    first, last = -(-start_ms // step) * step, stop_ms // step * step
    finer = levels[:-1]
    if first >= last:
        return cover(start_ms, stop_ms, finer)
    return [
        *cover(start_ms, first, finer),
        (levels[-1], first, last),
        *cover(last, stop_ms, finer),
    ]


@dataclass
class BinAccumulator:
    """Merges partials into bins chunk by chunk, so memory holds the bins and one chunk, never the
    range; also keeps the raw chunks while they total at most `keep_raw` points."""

    measures: list[Measure]
    width_ms: int
    keep_raw: int
    points: int = 0
    bins: Partials | None = None
    raw: list[Partials] | None = field(default_factory=list)

    def add(self, chunk: Partials, *, is_raw: bool) -> None:
        """Adds a chunk of raw points or rollup rows."""
        if not len(chunk):
            return
        self.points += int(chunk.points.sum())
        if self.raw is not None and is_raw and self.points <= self.keep_raw:
            self.raw.append(chunk)
        elif self.raw is not None and self.points > self.keep_raw:
            self.raw = None  # too many to answer raw: only the bins matter now
        merged = merge(chunk, self.width_ms)
        if self.bins is not None:
            merged = merge(Partials.concat([self.bins, merged], self.measures), self.width_ms)
        self.bins = merged

    def absorb(self, other: BinAccumulator) -> None:
        """Adds what another accumulator (of the same width) gathered."""
        self.points += other.points
        if self.raw is not None and other.raw is not None and self.points <= self.keep_raw:
            self.raw += other.raw
        else:
            self.raw = None
        if other.bins is not None:
            parts = [self.bins, other.bins] if self.bins is not None else [other.bins]
            self.bins = merge(Partials.concat(parts, self.measures), self.width_ms)

    def merged(self) -> Partials:
        """Every bin holding an entry, in time order."""
        return self.bins if self.bins is not None else Partials.empty(self.measures)

    def raw_points(self) -> Partials:
        """The raw points kept (all of them while at most `keep_raw`), in time order."""
        joined = Partials.concat(self.raw or [], self.measures)
        order = np.argsort(joined.ts, kind="stable")
        return Partials(
            joined.ts[order],
            joined.points[order],
            {c: v[order] for c, v in joined.columns.items()},
        )
