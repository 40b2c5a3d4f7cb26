"""From a time window to the [from, to] range it covers at a given moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dateutil.relativedelta import relativedelta

from analytics.analytic.descriptors import FixedWindow, MovingWindow
from analytics.storage.indices import as_utc

_UNITS = {"d": "days", "w": "weeks", "m": "months", "y": "years"}


def today_midnight(now: datetime | None = None) -> datetime:
    """The start of the current UTC day."""
    now = as_utc(now or datetime.now(UTC))
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def bounds(
    window: MovingWindow | FixedWindow, now: datetime | None = None
) -> tuple[datetime | None, datetime]:
    """(from, to): moving windows end at today's midnight; `today` is [midnight, +1 day]."""
    if isinstance(window, FixedWindow):
        return as_utc(window.start), as_utc(window.end)
    midnight = today_midnight(now)
    if window.value == "today":
        return midnight, midnight + timedelta(days=1)
    if window.value == "all":
        return None, midnight
    amount = int(window.value[:-1])
    return midnight - relativedelta(**{_UNITS[window.unit]: amount}), midnight


def is_over(window: MovingWindow | FixedWindow, computed_at: datetime | None) -> bool:
    """A fixed window whose result was computed after its end needs no more updates."""
    if not isinstance(window, FixedWindow) or computed_at is None:
        return False
    return as_utc(computed_at) >= as_utc(window.end)
