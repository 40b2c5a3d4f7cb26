"""Bodies of the users routes."""

from __future__ import annotations

from pydantic import BaseModel

from kmdb.fields import UtcDateTime


class TimelineEvent(BaseModel):
    """One event (or property set, with name null) with its properties."""

    id: int
    t: UtcDateTime
    name: str | None
    properties: dict[str, str | None]


class TimelineOut(BaseModel):
    """A user's events, found by any of their identities."""

    user_id: int
    name: str
    identities: list[str]
    events: list[TimelineEvent]
