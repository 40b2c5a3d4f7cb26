"""Types that refuse what Elasticsearch or the serialiser cannot take, so it is a 400, never a 500.

The kit's JSON rule already refuses bodies deeper than 32 levels, NaN/Infinity and integers beyond
64 bits before a route runs; the models refuse them too (and free JSON deeper than 16), so no
path into Elasticsearch depends on one layer alone.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, JsonValue, WithJsonSchema

# Elasticsearch maps objects at most 20 levels deep (index.mapping.depth.limit); a free value sits
# a level or two inside its document, so it may nest 16 levels (objects and arrays alike).
MAX_DEPTH = 16
# Elasticsearch's widest integer (`long`) is signed 64-bit.
MIN_INT, MAX_INT = -(2**63), 2**63 - 1
# ISO 8601 allows any offset; Java's (Elasticsearch's) ZoneOffset stops at ±18:00.
MAX_OFFSET = timedelta(hours=18)


def _check_value(value: Any, depth: int, path: str, limit: int = MAX_DEPTH) -> None:
    if depth > limit:
        raise ValueError(f"nested deeper than {limit} levels at {path or 'the top'}")
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, int):
        if not MIN_INT <= value <= MAX_INT:
            raise ValueError(f"{path or 'value'}: integer outside the signed 64-bit range")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{path or 'value'}: numbers must be finite (no NaN or Infinity)")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_value(item, depth + 1, f"{path}.{key}" if path else str(key), limit)
    elif isinstance(value, list):
        for position, item in enumerate(value):
            _check_value(item, depth + 1, f"{path}.{position}" if path else str(position), limit)


def check_free_json(value: Any) -> Any:
    """Refuses values nested too deep, non-finite numbers and integers beyond 64 bits."""
    _check_value(value, 1, "")
    return value


def check_moment(value: datetime) -> datetime:
    """Refuses offsets beyond ±18 h and moments that leave years 1-9999 once taken to UTC."""
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_OFFSET:
        raise ValueError("timezone offset must be within ±18:00")
    if offset is not None:
        try:
            value.replace(tzinfo=None) - offset
        except OverflowError:
            raise ValueError("moment is outside years 1-9999 in UTC") from None
    return value


def check_scalar(value: Any) -> Any:
    """Before a union of scalars: refuses integers beyond 64 bits rather than making them floats."""
    is_int = isinstance(value, int) and not isinstance(value, bool)
    if is_int and not MIN_INT <= value <= MAX_INT:
        raise ValueError("integer outside the signed 64-bit range")
    return value


def check_number(value: float) -> float:
    """Refuses NaN and the infinities."""
    if not math.isfinite(value):
        raise ValueError("must be a finite number (no NaN or Infinity)")
    return value


_FREE = f"at most {MAX_DEPTH} levels deep, finite numbers, integers within signed 64 bits"
FreeJson = Annotated[
    JsonValue,
    AfterValidator(check_free_json),
    WithJsonSchema({"description": f"any JSON value, {_FREE}"}),
]
FreeObject = Annotated[
    dict[str, JsonValue],
    AfterValidator(check_free_json),
    WithJsonSchema({"type": "object", "description": f"a JSON object, {_FREE}"}),
]
Moment = Annotated[datetime, AfterValidator(check_moment)]
FiniteFloat = Annotated[float, AfterValidator(check_number)]
Scalar = Annotated[bool | int | FiniteFloat | str, BeforeValidator(check_scalar)]
NonEmpty = Annotated[str, Field(min_length=1)]
# A query parameter naming something: present means not empty. Past 256 characters Elasticsearch
# keeps no keyword to match (ignore_above), and four such parameters of 4-byte characters still
# fit in the gateway's 8 kB request line.
MAX_NAME = 128
Text = Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
