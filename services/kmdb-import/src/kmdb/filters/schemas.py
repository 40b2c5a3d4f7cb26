"""Bodies of the filters routes."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from kmdb.fields import Printable, UtcDateTime


class FilterKind(StrEnum):
    """The three filter tables, by their URL names."""

    ignored_users = "ignored-users"
    whitelisted_events = "whitelisted-events"
    blacklisted_properties = "blacklisted-properties"

    @property
    def table(self) -> str:
        """The MySQL table behind this kind."""
        return self.name


class FilterIn(BaseModel):
    """A name to add to a filter table."""

    model_config = ConfigDict(strict=True, extra="forbid")

    name: Printable = Field(
        min_length=1, max_length=255, description="any text without control characters"
    )


class FilterOut(BaseModel):
    """One filter entry."""

    name: str
    created_at: UtcDateTime
