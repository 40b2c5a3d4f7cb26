"""Bodies of the stats routes."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel


class EventCount(BaseModel):
    """Events of one name on one day (UTC)."""

    day: dt.date
    name: str
    count: int
