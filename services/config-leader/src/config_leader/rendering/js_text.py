"""Values as text the way the original (Node) leader writes them: `JSON.stringify`'s bytes.

* Objects and lists are compact: `["adminToken","personalToken"]`, `{"rps":10}`.
* Numbers as JavaScript prints them: `1.0` → `1`, `1.5e3` → `1500`, `1e21` → `1e+21`,
  `1e-7` → `1e-7`; NaN and infinities → `null`. Integers are exact at any size (JavaScript
  would round those beyond 2^53; we do not).
* A YAML timestamp is a `YamlTimestamp`: text `2020-03-09T00:00:00.000Z` (JavaScript's
  `Date.toISOString()`), written JSON-encoded like any non-string (`"2020-03-09T00:00:00.000Z"`).
* Keys in JavaScript's order: integer-like keys ascending first, then the others as written.
* Non-ASCII is kept, control characters escaped as JSON wants.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any


class YamlTimestamp(str):
    """A date or time from platform.yml: a string holding JavaScript's ISO form, typed apart."""

    __slots__ = ()

    @classmethod
    def of(cls, value: dt.date) -> YamlTimestamp:
        """The timestamp as `Date.toISOString()` shows it (UTC, milliseconds, `Z`)."""
        if isinstance(value, dt.datetime):
            moment = value if value.tzinfo is None else value.astimezone(dt.UTC)
        else:
            moment = dt.datetime(value.year, value.month, value.day)
        return cls(moment.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z")


def js_number(value: float) -> str:
    """A float as JavaScript's Number#toString prints it (shortest round-trip digits)."""
    if math.isnan(value) or math.isinf(value):
        return "null"  # what JSON.stringify writes
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    _, digit_tuple, exponent = Decimal(repr(abs(value))).normalize().as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(map(str, digit_tuple))
    k, n = len(digits), len(digits) + exponent  # n: where the decimal point goes
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * (-n) + digits
    else:
        power = n - 1
        mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
        text = f"{mantissa}e{'+' if power >= 0 else '-'}{abs(power)}"
    return sign + text


def _array_index(key: str) -> int | None:
    """The key as a JavaScript array index ("0", "42"; not "007" or "-1"), else None."""
    if key.isdigit() and key.isascii() and (key == "0" or not key.startswith("0")):
        number = int(key)
        return number if number < 2**32 - 1 else None
    return None


def js_key_order(keys: list[str]) -> list[str]:
    """A JavaScript object's own key order: array indexes ascending, then the rest as inserted."""
    indexes = sorted((i, k) for k in keys if (i := _array_index(k)) is not None)
    return [k for _, k in indexes] + [k for k in keys if _array_index(k) is None]


def js_json(value: Any) -> str:
    """`JSON.stringify(value)`: compact, numbers and timestamps as the original wrote them."""
    if isinstance(value, str):
        return json.dumps(str(value), ensure_ascii=False)
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return js_number(value)
    if isinstance(value, dt.date):
        return json.dumps(YamlTimestamp.of(value))
    if isinstance(value, Mapping):
        keys = js_key_order([str(k) for k in value])
        plain = {str(k): v for k, v in value.items()}
        items = (f"{json.dumps(k, ensure_ascii=False)}:{js_json(plain[k])}" for k in keys)
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(js_json(item) for item in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)
