"""Field types shared by the domains' request and response bodies."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Annotated

from pydantic import AfterValidator


def printable(text: str) -> str:
    """Refuses control characters (newline, NUL, ...) and lone surrogates, which no URL carries."""
    bad = next((c for c in text if unicodedata.category(c) in ("Cc", "Cs")), None)
    if bad is not None:
        raise ValueError(f"control character U+{ord(bad):04X} is not allowed")
    return text


Printable = Annotated[str, AfterValidator(printable)]


def as_utc(value: dt.datetime) -> dt.datetime:
    """MySQL's times (DATETIME kept in UTC, TIMESTAMP read in UTC) with their zone said."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


# RFC 3339 in answers ("...Z"): a time without its offset is not a date-time to a client.
UtcDateTime = Annotated[dt.datetime, AfterValidator(as_utc)]
